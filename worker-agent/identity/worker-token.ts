import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { workerTokenMaxLifetimeSeconds, type workerTokenAlgorithms } from '../../contracts/worker-auth.js';
import { x5tS256, type WorkerIdentity } from './certificate.js';

type WorkerTokenAlgorithm = (typeof workerTokenAlgorithms)[number];

/** The JOSE algorithm for a worker key: ES256/ES384 for P-256/P-384, RS256 for RSA, PS256 for RSA-PSS. */
export function algorithmFor(key: KeyObject): WorkerTokenAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
    if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
    throw new Error(`the worker key's curve ${curve ?? '(unknown)'} is not supported: use P-256 or P-384`);
  }
  if (type === 'rsa') return 'RS256';
  if (type === 'rsa-pss') return 'PS256';
  throw new Error(`the worker key type ${type ?? '(unknown)'} is not supported: use ECDSA P-256 or RSA`);
}

export interface WorkerTokenSignerOptions {
  /** MasterEndpoint, exactly as configured: the token's audience. */
  audience: string;
  /** Epoch milliseconds. */
  now: () => number;
  /** @default 300 (the most the master accepts) */
  lifetimeSeconds?: number;
  /** A token is reused until this little of its life remains. @default 120 */
  renewBeforeSeconds?: number;
}

/**
 * Signs the token every request to the master carries (contracts/worker-auth.ts): header `alg`, `x5t#S256` and
 * `x5c`; claims `aud`, `iat`, `exp`, `jti`. A token is reused for a while rather than signed per request.
 */
export class WorkerTokenSigner {
  readonly #algorithm: WorkerTokenAlgorithm;
  readonly #lifetimeSeconds: number;
  readonly #renewBeforeSeconds: number;
  #current: { token: string; expiresAt: number } | undefined;

  constructor(
    private readonly identity: Pick<WorkerIdentity, 'certificateDer' | 'privateKey'>,
    private readonly options: WorkerTokenSignerOptions,
  ) {
    this.#algorithm = algorithmFor(identity.privateKey);
    this.#lifetimeSeconds = Math.min(options.lifetimeSeconds ?? workerTokenMaxLifetimeSeconds, workerTokenMaxLifetimeSeconds);
    this.#renewBeforeSeconds = Math.min(options.renewBeforeSeconds ?? 120, this.#lifetimeSeconds - 1);
  }

  async token(): Promise<string> {
    const nowSeconds = Math.floor(this.options.now() / 1000);
    if (this.#current && this.#current.expiresAt - nowSeconds > this.#renewBeforeSeconds) return this.#current.token;
    const expiresAt = nowSeconds + this.#lifetimeSeconds;
    const token = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({
        alg: this.#algorithm,
        typ: 'JWT',
        'x5t#S256': x5tS256(this.identity.certificateDer),
        x5c: [this.identity.certificateDer.toString('base64')],
      })
      .setAudience(this.options.audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(expiresAt)
      .sign(this.identity.privateKey);
    this.#current = { token, expiresAt };
    return token;
  }

  async authorizationHeader(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.token()}` };
  }
}
