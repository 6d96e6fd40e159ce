import { X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify, errors as joseErrors, type CryptoKey } from 'jose';
import {
  workerAuthFailures,
  workerTokenAlgorithms,
  workerTokenClockSkewSeconds,
  workerTokenMaxLifetimeSeconds,
} from '../../contracts/worker-auth.js';
import type { Catalog, WorkerAgentInfo } from '../catalog/catalog.js';
import type { WorkerAgent } from '../catalog/domain.js';
import type { Clock } from '../clock.js';
import { HttpProblem, ProblemType } from '../http/problem.js';

export interface AuthenticatedWorker {
  workerAgentId: string;
}

type LearnedCertificate = NonNullable<WorkerAgentInfo['certificate']>;

/** How long a verified token is trusted without verifying its signature again. */
const verifiedTokenTtlMs = 10_000;
const maxCachedTokens = 10_000;

/** A certificate the catalog named as a worker's, and until when that answer is trusted without asking again. */
interface KnownCertificate {
  worker: Pick<WorkerAgent, 'workerAgentId' | 'certNotAfter'>;
  certPem: string;
  learned?: undefined;
  trustedUntil: number;
}

/**
 * Verifies the token every worker request carries (contracts/worker-auth.ts) against the certificate registered
 * for that worker. A verified token is remembered for a few seconds, so a worker polling in a loop verifies no
 * signature again. Which worker a certificate belongs to is remembered for `identityTtlMs` (as long as a worker
 * not heard from is shown online, SCALEOUT_WORKER_OFFLINE_AFTER_MS), and each catalog write of the worker's
 * online time (`confirmWorker`) trusts it that long again: the new token an idle agent signs every few minutes,
 * and the heartbeat it sends every 10 min in Azure, cost no catalog read. Removing or
 * disabling a worker on this instance forgets it at once; another instance keeps it until its trust lapses,
 * which lets the worker do nothing the catalog does not fence: a claim, a report or a renewal is checked there.
 */
export class WorkerAuthenticator {
  readonly #verified = new Map<string, { workerAgentId: string; trustedUntil: number }>();
  readonly #certificates = new Map<string, KnownCertificate>();
  readonly #keys = new Map<string, { key: CryptoKey; alg: string }>();

  constructor(
    private readonly catalog: Catalog,
    private readonly masterAddresses: readonly string[],
    private readonly clock: Clock,
    private readonly identityTtlMs: number,
  ) {}

  async authenticate(authorization: string | undefined): Promise<AuthenticatedWorker> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthorized(workerAuthFailures.missing);
    const now = this.clock.now();
    const cached = this.#verified.get(token);
    if (cached && cached.trustedUntil > now) return { workerAgentId: cached.workerAgentId };

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw unauthorized(workerAuthFailures.malformed);
    }
    const x5t = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
    const alg = header.alg;
    if (!x5t || !alg || !(workerTokenAlgorithms as readonly string[]).includes(alg)) {
      throw unauthorized(workerAuthFailures.malformed);
    }
    const presented = header.x5c?.[0] ? parseCertificate(header.x5c[0]) : undefined;
    const sha256 = Buffer.from(x5t, 'base64url').toString('hex');
    const known = this.#certificates.get(sha256);
    const trusted = known && known.trustedUntil > now ? known : undefined;
    const { worker, certPem, learned } = trusted ?? (await this.#findWorker(sha256, presented));

    const notAfter = worker.certNotAfter ?? (presented ? Date.parse(presented.validTo) : undefined);
    if (notAfter !== undefined && notAfter < now) throw unauthorized(workerAuthFailures.certificateExpired);

    const key = await this.#publicKey(sha256, certPem, alg);
    let payload: { iat?: number; exp?: number };
    try {
      ({ payload } = await jwtVerify(token, key, {
        audience: [...this.masterAddresses],
        algorithms: [alg],
        clockTolerance: workerTokenClockSkewSeconds,
        currentDate: new Date(now),
        requiredClaims: ['iat', 'exp', 'jti', 'aud'],
      }));
    } catch (error) {
      throw unauthorized(reasonFor(error));
    }
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > workerTokenMaxLifetimeSeconds) {
      throw unauthorized(workerAuthFailures.tooLong);
    }
    // jose checks only that `exp` has not passed: a token dated a year ahead with a short lifetime would live a
    // year. With `iat` held to the master's clock (give or take the skew) and the lifetime checked above, `exp` is
    // at most 5 minutes + the skew ahead.
    if ((payload.iat ?? 0) > now / 1000 + workerTokenClockSkewSeconds) throw unauthorized(workerAuthFailures.issuedInFuture);
    // Only a token proven to come from the certificate's key may teach the master that certificate.
    if (learned) await this.catalog.recordWorkerAgentInfo(worker.workerAgentId, { certificate: learned });
    if (!trusted) {
      const identity = { workerAgentId: worker.workerAgentId, certNotAfter: notAfter ?? null };
      this.#certificates.set(sha256, { worker: identity, certPem, trustedUntil: now + this.identityTtlMs });
    }
    this.#remember(token, worker.workerAgentId, Math.min(now + verifiedTokenTtlMs, (payload.exp ?? 0) * 1000));
    return { workerAgentId: worker.workerAgentId };
  }

  /** The catalog just wrote the worker's online time, so it still exists: its certificate is trusted longer. */
  confirmWorker(workerAgentId: string): void {
    const trustedUntil = this.clock.now() + this.identityTtlMs;
    for (const known of this.#certificates.values()) if (known.worker.workerAgentId === workerAgentId) known.trustedUntil = trustedUntil;
  }

  /** After a worker is removed or disabled on this instance: its tokens and certificate are checked again at once. */
  forgetWorker(workerAgentId: string): void {
    for (const [token, entry] of this.#verified) if (entry.workerAgentId === workerAgentId) this.#verified.delete(token);
    for (const [sha256, known] of this.#certificates) if (known.worker.workerAgentId === workerAgentId) this.#certificates.delete(sha256);
  }

  /**
   * The worker the token's certificate identifies. A worker registered by thumbprint only presents its
   * certificate (x5c) the first time; it is checked against the thumbprint and returned as `learned`, for the
   * caller to keep once the token's signature proves the worker holds its key.
   */
  async #findWorker(
    sha256: string,
    presented: X509Certificate | undefined,
  ): Promise<{ worker: WorkerAgent; certPem: string; learned?: LearnedCertificate }> {
    let worker = await this.catalog.findWorkerAgentByThumbprint(sha256);
    const presentedSha1 = presented ? hex(presented.fingerprint) : undefined;
    const presentedSha256 = presented ? hex(presented.fingerprint256) : undefined;
    if (!worker && presentedSha1 && presentedSha256 === sha256) {
      worker = await this.catalog.findWorkerAgentByThumbprint(presentedSha1);
    }
    if (!worker) throw unauthorized(workerAuthFailures.unknownCertificate);
    if (worker.certPem && worker.certThumbprintSha256 === sha256) return { worker, certPem: worker.certPem };
    // Registered by thumbprint: the presented certificate must be exactly the registered one.
    if (
      !presented ||
      presentedSha256 !== sha256 ||
      (worker.certThumbprintSha1 !== null && worker.certThumbprintSha1 !== presentedSha1) ||
      (worker.certThumbprintSha256 !== null && worker.certThumbprintSha256 !== presentedSha256)
    ) {
      throw unauthorized(workerAuthFailures.unknownCertificate);
    }
    const certPem = presented.toString();
    return {
      worker,
      certPem,
      learned: { pem: certPem, notAfter: Date.parse(presented.validTo), thumbprintSha1: presentedSha1!, thumbprintSha256: presentedSha256 },
    };
  }

  async #publicKey(sha256: string, certPem: string, alg: string): Promise<CryptoKey> {
    const cached = this.#keys.get(sha256);
    if (cached && cached.alg === alg) return cached.key;
    let key: CryptoKey;
    try {
      key = await importX509(certPem, alg);
    } catch {
      throw unauthorized(workerAuthFailures.badSignature);
    }
    this.#keys.set(sha256, { key, alg });
    return key;
  }

  #remember(token: string, workerAgentId: string, trustedUntil: number): void {
    if (this.#verified.size >= maxCachedTokens) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(token, { workerAgentId, trustedUntil });
  }
}

function parseCertificate(base64Der: string): X509Certificate | undefined {
  try {
    return new X509Certificate(Buffer.from(base64Der, 'base64'));
  } catch {
    return undefined;
  }
}

const hex = (fingerprint: string): string => fingerprint.replace(/:/g, '').toLowerCase();

function reasonFor(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return workerAuthFailures.expired;
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return workerAuthFailures.wrongAudience;
    if (error.claim === 'iat' || error.claim === 'nbf') return workerAuthFailures.expired;
    return workerAuthFailures.malformed;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return workerAuthFailures.badSignature;
  return workerAuthFailures.malformed;
}

export function unauthorized(detail: string): HttpProblem {
  return new HttpProblem({ type: ProblemType.unauthorized, title: 'Unauthorized', status: 401, detail });
}
