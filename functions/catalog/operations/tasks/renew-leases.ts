import type { Catalog, TaskRef } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import type { CatalogDb } from '../../engine.js';
import { flag } from '../../rows.js';

/**
 * renewLeases: the worker's one heartbeat for all its running tasks. Pushes back the deadline of every attempt
 * it still holds, tells it which it lost (kill them, report nothing more) and which to cancel, and marks the
 * worker online. A disabled worker keeps its running tasks; it only gets no new ones.
 */
export function renewLeasesOperation(ctx: CatalogContext): Pick<Catalog, 'renewLeases'> {
  // One statement marks the worker online and says whether it is enabled.
  const markOnline = (db: CatalogDb, workerAgentId: string, now: number) =>
    db
      .updateTable('worker_agents')
      .set({ last_online_time: now })
      .where('worker_agent_id', '=', workerAgentId)
      .returning('is_enabled')
      .executeTakeFirst()
      .then((worker) => (worker ? flag(worker.is_enabled) : false));
  return {
    renewLeases: async (workerAgentId, held) => {
      const now = ctx.clock.now();
      const leaseDeadline = now + ctx.leaseMs;
      // All an idle worker's heartbeat costs: that statement alone, no transaction around it.
      if (held.length === 0) {
        const workerEnabled = await ctx.engine.autocommit((db) => markOnline(db, workerAgentId, now));
        return { leaseDeadline, renewed: [], lost: [], cancel: [], workerEnabled };
      }
      return ctx.engine.transaction(async (trx) => {
        const workerEnabled = await markOnline(trx, workerAgentId, now);
        await trx
          .updateTable('tasks')
          .set({ lease_deadline: leaseDeadline, last_heartbeat_time: now })
          .where('worker_agent_id', '=', workerAgentId)
          .where('state', '=', 'running')
          .where((eb) =>
            eb.or(held.map((ref) => eb.and([eb('task_id', '=', ref.taskId), eb('attempt_number', '=', ref.attemptNumber)]))),
          )
          .execute();
        const rows = await trx
          .selectFrom('tasks')
          .select(['task_id', 'attempt_number', 'cancel_requested'])
          .where('worker_agent_id', '=', workerAgentId)
          .where('state', '=', 'running')
          .where((eb) => eb('task_id', 'in', held.map((ref) => ref.taskId)))
          .execute();
        const stillHeld = new Map(rows.map((row) => [`${row.task_id}:${row.attempt_number}`, row]));
        const renewed: TaskRef[] = [];
        const lost: TaskRef[] = [];
        const cancel: TaskRef[] = [];
        for (const ref of held) {
          const row = stillHeld.get(`${ref.taskId}:${ref.attemptNumber}`);
          if (!row) {
            lost.push(ref);
            continue;
          }
          renewed.push(ref);
          if (flag(row.cancel_requested)) cancel.push(ref);
        }
        return { leaseDeadline, renewed, lost, cancel, workerEnabled };
      });
    },
  };
}
