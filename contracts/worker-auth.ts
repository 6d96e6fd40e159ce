import * as z from 'zod';

/**
 * How a worker proves who it is, on every request: `Authorization: Bearer <JWT>`, the JWT signed with the private
 * key of the worker's certificate. The master knows the worker by that certificate (registered when an
 * administrator added the worker) and verifies the signature against it. This is independent of the TLS in
 * front of the master, so it works the same on loopback, behind App Service and behind any proxy.
 *
 * JOSE header: `alg` ES256 / RS256 / PS256, `x5t#S256` = base64url SHA-256 of the certificate (DER), and `x5c` =
 * [base64 DER certificate]: the master uses `x5c` only for a worker registered by thumbprint, to learn its key.
 */
export const workerTokenAlgorithms = ['ES256', 'ES384', 'RS256', 'PS256'] as const;

/** A token lives at most this long (`exp - iat`). */
export const workerTokenMaxLifetimeSeconds = 300;

/** Allowed difference between the worker's clock and the master's. */
export const workerTokenClockSkewSeconds = 60;

export const WorkerTokenClaims = z.object({
  /** The master's address exactly as the worker is configured with it (MasterEndpoint), e.g. `https://master:8391`. */
  aud: z.string().url(),
  iat: z.int(),
  exp: z.int(),
  /** Unique per token. */
  jti: z.string().min(8).max(64),
});
export type WorkerTokenClaims = z.infer<typeof WorkerTokenClaims>;

/** The reasons a worker request is refused with 401, as the `detail` of the problem says them. */
export const workerAuthFailures = {
  missing: 'no worker token: send Authorization: Bearer <token signed with the worker certificate>',
  malformed: 'the worker token is not a well-formed JWT',
  unknownCertificate: 'no worker agent is registered with this certificate (add it with `scaleout worker add`)',
  badSignature: 'the worker token signature does not match the registered certificate',
  wrongAudience: 'the worker token is for another master address',
  expired: 'the worker token has expired (check the worker machine clock)',
  tooLong: `the worker token lives longer than ${workerTokenMaxLifetimeSeconds} s`,
  issuedInFuture: `the worker token is issued more than ${workerTokenClockSkewSeconds} s in the future (check the worker machine clock)`,
  certificateExpired: 'the worker certificate has expired: create a new one and re-add the worker',
} as const;
