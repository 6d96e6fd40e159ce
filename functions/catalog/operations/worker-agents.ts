import { randomUUID } from 'node:crypto';
import type { AddWorkerAgentInput, Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { WorkerAgent } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { hotQuery } from '../hot-query.js';
import { audit } from './audit.js';
import { releaseAttempts } from './tasks/release-attempts.js';
import { readScaleOutState, selectWorkers, withTags } from './worker-rows.js';

/** SSIS MaxTaskCount default. */
export const defaultMaxTaskCount = 10;

const selectAllWorkers = hotQuery((db) => selectWorkers(db).orderBy('w.display_name'));

async function loadWorker(db: CatalogDb | CatalogTrx, workerAgentId: string): Promise<WorkerAgent> {
  const row = await selectWorkers(db).where('w.worker_agent_id', '=', workerAgentId).executeTakeFirst();
  if (!row) throw new NotFoundError('worker agent', workerAgentId);
  const [worker] = await withTags(db, [row]);
  return worker!;
}

/** Lowercase hex without separators, as thumbprints are stored. */
export function normaliseThumbprint(thumbprint: string): string {
  return thumbprint.replace(/[\s:]/g, '').toLowerCase();
}

function uniqueTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const tag of tags) if (!seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  return [...seen.values()];
}

async function replaceTags(trx: CatalogTrx, workerAgentId: string, tags: readonly string[]): Promise<void> {
  await trx.deleteFrom('worker_agent_tags').where('worker_agent_id', '=', workerAgentId).execute();
  const unique = uniqueTags(tags);
  if (unique.length > 0) {
    await trx
      .insertInto('worker_agent_tags')
      .values(unique.map((tag) => ({ worker_agent_id: workerAgentId, tag })))
      .execute();
  }
}

/**
 * SSIS "add worker": one worker per certificate, disabled unless told otherwise. Both `addWorkerAgent` and an
 * enrollment (`enrollWorkerAgent`, in the same transaction as spending the token) register workers through here.
 */
export async function insertWorkerAgent(ctx: CatalogContext, trx: CatalogTrx, input: AddWorkerAgentInput, actor: string): Promise<WorkerAgent> {
  const sha1 = input.certificate.thumbprintSha1 ? normaliseThumbprint(input.certificate.thumbprintSha1) : null;
  const sha256 = input.certificate.thumbprintSha256 ? normaliseThumbprint(input.certificate.thumbprintSha256) : null;
  if (!sha1 && !sha256) throw new ValidationError('certificate', 'a certificate or its thumbprint is required');
  const workerAgentId = input.workerAgentId ?? randomUUID();
  const clash = await trx
    .selectFrom('worker_agents')
    .select('worker_agent_id')
    .where((eb) =>
      eb.or([
        ...(sha1 ? [eb('cert_thumbprint_sha1', '=', sha1)] : []),
        ...(sha256 ? [eb('cert_thumbprint_sha256', '=', sha256)] : []),
        eb('worker_agent_id', '=', workerAgentId),
      ]),
    )
    .executeTakeFirst();
  if (clash) {
    throw new ConflictError(
      clash.worker_agent_id === workerAgentId ? 'workerAgentId' : 'certificate',
      clash.worker_agent_id === workerAgentId
        ? `worker agent ${workerAgentId} already exists`
        : `this certificate already identifies worker agent ${clash.worker_agent_id}`,
    );
  }
  await trx
    .insertInto('worker_agents')
    .values({
      worker_agent_id: workerAgentId,
      machine_name: input.machineName,
      display_name: input.displayName ?? input.machineName,
      description: input.description ?? '',
      // New workers start disabled, as in SSIS: an administrator enables them once they are ready.
      is_enabled: input.enabled ? 1 : 0,
      cert_thumbprint_sha1: sha1,
      cert_thumbprint_sha256: sha256,
      cert_pem: input.certificate.pem ?? null,
      cert_not_after: input.certificate.notAfter ?? null,
      max_task_count: input.maxTaskCount ?? defaultMaxTaskCount,
      created_time: ctx.clock.now(),
    })
    .execute();
  await replaceTags(trx, workerAgentId, input.tags ?? []);
  await audit(ctx, trx, {
    actor,
    action: 'add-worker-agent',
    targetType: 'worker-agent',
    targetId: workerAgentId,
    details: { machineName: input.machineName, thumbprintSha1: sha1, thumbprintSha256: sha256, ...(input.enabled ? { enabled: true } : {}) },
  });
  return loadWorker(trx, workerAgentId);
}

export function workerAgentOperations(
  ctx: CatalogContext,
): Pick<
  Catalog,
  | 'addWorkerAgent'
  | 'removeWorkerAgent'
  | 'enableWorkerAgent'
  | 'disableWorkerAgent'
  | 'setWorkerAgentProperty'
  | 'getWorkerAgent'
  | 'findWorkerAgentByThumbprint'
  | 'listWorkerAgents'
  | 'getScaleOutState'
  | 'recordWorkerAgentInfo'
> {
  const setEnabled = (workerAgentId: string, enabled: boolean, actor: string) =>
    ctx.engine.transaction(async (trx) => {
      const result = await trx
        .updateTable('worker_agents')
        .set({ is_enabled: enabled ? 1 : 0 })
        .where('worker_agent_id', '=', workerAgentId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new NotFoundError('worker agent', workerAgentId);
      await audit(ctx, trx, {
        actor,
        action: enabled ? 'enable-worker-agent' : 'disable-worker-agent',
        targetType: 'worker-agent',
        targetId: workerAgentId,
      });
      return loadWorker(trx, workerAgentId);
    });

  return {
    addWorkerAgent: (input, actor) => ctx.engine.transaction((trx) => insertWorkerAgent(ctx, trx, input, actor)),

    async removeWorkerAgent(workerAgentId, actor) {
      await ctx.engine.transaction(async (trx) => {
        const running = await trx
          .selectFrom('tasks')
          .select(['task_id', 'execution_id', 'attempt_number', 'worker_agent_id'])
          .where('worker_agent_id', '=', workerAgentId)
          .where('state', '=', 'running')
          .execute();
        await releaseAttempts(ctx, trx, running, () => `worker agent ${workerAgentId} was removed`);
        // Its attempts keep its name: the history of what it ran still says who ran it.
        await trx
          .updateTable('tasks')
          .set((eb) => ({
            worker_display_name: eb
              .selectFrom('worker_agents')
              .select('display_name')
              .where('worker_agent_id', '=', workerAgentId),
          }))
          .where('worker_agent_id', '=', workerAgentId)
          .execute();
        const result = await trx.deleteFrom('worker_agents').where('worker_agent_id', '=', workerAgentId).executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) throw new NotFoundError('worker agent', workerAgentId);
        await audit(ctx, trx, {
          actor,
          action: 'remove-worker-agent',
          targetType: 'worker-agent',
          targetId: workerAgentId,
          details: { releasedTasks: running.map((task) => task.task_id) },
        });
      });
    },

    enableWorkerAgent: (workerAgentId, actor) => setEnabled(workerAgentId, true, actor),
    disableWorkerAgent: (workerAgentId, actor) => setEnabled(workerAgentId, false, actor),

    async setWorkerAgentProperty(workerAgentId, changes, actor) {
      return ctx.engine.transaction(async (trx) => {
        const update = {
          ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.maxTaskCount !== undefined ? { max_task_count: changes.maxTaskCount } : {}),
        };
        const exists = await trx
          .selectFrom('worker_agents')
          .select('worker_agent_id')
          .where('worker_agent_id', '=', workerAgentId)
          .executeTakeFirst();
        if (!exists) throw new NotFoundError('worker agent', workerAgentId);
        if (Object.keys(update).length > 0) {
          await trx.updateTable('worker_agents').set(update).where('worker_agent_id', '=', workerAgentId).execute();
        }
        if (changes.tags !== undefined) await replaceTags(trx, workerAgentId, changes.tags);
        await audit(ctx, trx, {
          actor,
          action: 'set-worker-agent-property',
          targetType: 'worker-agent',
          targetId: workerAgentId,
          details: { ...changes },
        });
        return loadWorker(trx, workerAgentId);
      });
    },

    getWorkerAgent: (workerAgentId) => ctx.engine.read((db) => loadWorker(db, workerAgentId)),

    async findWorkerAgentByThumbprint(thumbprint) {
      const normalised = normaliseThumbprint(thumbprint);
      const column = normalised.length === 40 ? 'w.cert_thumbprint_sha1' : 'w.cert_thumbprint_sha256';
      return ctx.engine.read(async (db) => {
        const row = await selectWorkers(db).where(column, '=', normalised).executeTakeFirst();
        return row ? (await withTags(db, [row]))[0] : undefined;
      });
    },

    listWorkerAgents: () =>
      ctx.engine.read(async (db) => withTags(db, (await selectAllWorkers(db, {})).rows)),

    getScaleOutState: () => ctx.engine.read(readScaleOutState),

    async recordWorkerAgentInfo(workerAgentId, info) {
      await ctx.engine.transaction(async (trx) => {
        await trx
          .updateTable('worker_agents')
          .set({
            last_online_time: ctx.clock.now(),
            ...(info.machineName !== undefined ? { machine_name: info.machineName } : {}),
            ...(info.agentVersion !== undefined ? { agent_version: info.agentVersion } : {}),
            ...(info.os !== undefined ? { os: info.os } : {}),
            ...(info.userAccount !== undefined ? { user_account: info.userAccount } : {}),
            ...(info.certificate
              ? {
                  cert_pem: info.certificate.pem,
                  cert_not_after: info.certificate.notAfter,
                  cert_thumbprint_sha1: normaliseThumbprint(info.certificate.thumbprintSha1),
                  cert_thumbprint_sha256: normaliseThumbprint(info.certificate.thumbprintSha256),
                }
              : {}),
          })
          .where('worker_agent_id', '=', workerAgentId)
          .execute();
      });
    },
  };
}
