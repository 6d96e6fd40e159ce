import { createHmac, webcrypto } from 'node:crypto';
import { jwtVerify, type CryptoKey } from 'jose';
import { workerTokenClockSkewSeconds } from '../../contracts/worker-auth.js';
import type { Catalog } from '../catalog/catalog.js';
import { NotFoundError } from '../catalog/errors.js';
import type { Clock } from '../clock.js';
import { unauthorized } from './worker-authenticator.js';

/** The caller of the task API: a package running as one attempt of one execution. */
export interface TaskCaller {
  taskId: number;
  attemptNumber: number;
  executionId: number;
  workerAgentId: string;
}

/** The JOSE `typ` of a task credential: it tells one from any other bearer token. */
export const taskCredentialType = 'scaleout-task';

const taskCredentialHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: taskCredentialType })).toString('base64url');

/**
 * Task-scoped credentials: the master gives each claimed attempt a token, signed with its own HMAC key (from the
 * key store), naming the task, the attempt and the execution. It is honoured only while that attempt still holds
 * its lease, so it dies with the task: a lost lease, a completion or a cancel ends it at once.
 */
export class TaskCredentials {
  /** The key for verifying, imported once: jose would import raw bytes into Web Crypto for every token. */
  readonly #verifyingKey: Promise<CryptoKey>;
  readonly #signingKey: Uint8Array;

  constructor(
    signingKey: Uint8Array,
    private readonly masterAddress: string,
    private readonly masterAddresses: readonly string[],
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {
    this.#signingKey = signingKey;
    this.#verifyingKey = webcrypto.subtle.importKey('raw', signingKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }

  /**
   * A compact HS256 JWT, signed with node:crypto's HMAC in the claim's own turn: Web Crypto (through jose) runs
   * each signature as a job on the thread pool, which cost a claim more than its catalog statement. The tokens are
   * plain JWTs, verified by jose below.
   */
  issue(task: { taskId: number; attemptNumber: number; executionId: number }): string {
    const claims = { tid: task.taskId, att: task.attemptNumber, exe: task.executionId, aud: this.masterAddress, iat: Math.floor(this.clock.now() / 1000) };
    const signed = `${taskCredentialHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${signed}.${createHmac('sha256', this.#signingKey).update(signed).digest('base64url')}`;
  }

  async authenticate(authorization: string | undefined): Promise<TaskCaller> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthorized('no task credential: send Authorization: Bearer $SCALEOUT_TASK_CREDENTIAL');
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, await this.#verifyingKey, {
        algorithms: ['HS256'],
        typ: taskCredentialType,
        audience: [...this.masterAddresses],
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['iat'],
      }));
    } catch {
      throw unauthorized('not a task credential of this master');
    }
    // The credential has no `exp` (it ends with its lease), but one dated ahead was never issued by a master.
    if ((claims.iat as number) > this.clock.now() / 1000 + workerTokenClockSkewSeconds) {
      throw unauthorized(`the task credential is issued more than ${workerTokenClockSkewSeconds} s in the future`);
    }
    const { tid, att, exe } = claims as { tid?: unknown; att?: unknown; exe?: unknown };
    if (typeof tid !== 'number' || typeof att !== 'number' || typeof exe !== 'number') {
      throw unauthorized('not a task credential of this master');
    }
    try {
      const task = await this.catalog.getTask(tid);
      if (task.state === 'running' && task.attemptNumber === att && task.executionId === exe && task.workerAgentId) {
        return { taskId: tid, attemptNumber: att, executionId: exe, workerAgentId: task.workerAgentId };
      }
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    throw unauthorized(`task ${tid} attempt ${att} no longer holds its lease: its credential ended with it`);
  }
}

/** Whether a bearer token is a task credential (so the management API can say why it refuses it). */
export function isTaskCredential(token: string): boolean {
  const [header] = token.split('.');
  try {
    return (JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as { typ?: string }).typ === taskCredentialType;
  } catch {
    return false;
  }
}
