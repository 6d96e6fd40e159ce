import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, type CryptoKey } from 'jose';
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

/**
 * Task-scoped credentials: the master gives each claimed attempt a token, signed with its own HMAC key (from the
 * key store), naming the task, the attempt and the execution. It is honoured only while that attempt still holds
 * its lease, so it dies with the task: a lost lease, a completion or a cancel ends it at once.
 */
export class TaskCredentials {
  /**
   * The key imported once: given raw bytes, jose imports them into Web Crypto for every token, which cost as much
   * as the signature itself on a claim of many tasks.
   */
  readonly #signingKey: Promise<CryptoKey>;

  constructor(
    signingKey: Uint8Array,
    private readonly masterAddress: string,
    private readonly masterAddresses: readonly string[],
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {
    this.#signingKey = webcrypto.subtle.importKey('raw', signingKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async issue(task: { taskId: number; attemptNumber: number; executionId: number }): Promise<string> {
    return new SignJWT({ tid: task.taskId, att: task.attemptNumber, exe: task.executionId })
      .setProtectedHeader({ alg: 'HS256', typ: taskCredentialType })
      .setAudience(this.masterAddress)
      .setIssuedAt(Math.floor(this.clock.now() / 1000))
      .sign(await this.#signingKey);
  }

  async authenticate(authorization: string | undefined): Promise<TaskCaller> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw unauthorized('no task credential: send Authorization: Bearer $SCALEOUT_TASK_CREDENTIAL');
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, await this.#signingKey, {
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
