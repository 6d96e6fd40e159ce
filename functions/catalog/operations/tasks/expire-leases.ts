import type { Catalog } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import { num } from '../../rows.js';
import { releaseAttempts } from './release-attempts.js';

/**
 * expireLeases (SSIS: "deal with expired tasks"): running attempts whose deadline passed belong to a worker that
 * stopped heartbeating. Each is marked lost and its execution re-queued while retries remain, else ended with
 * status 6. Safe to run on several instances at once: see releaseAttempts.
 */
export function expireLeasesOperation(ctx: CatalogContext): Pick<Catalog, 'expireLeases'> {
  return {
    expireLeases: () =>
      ctx.engine.transaction(async (trx) => {
        const now = ctx.clock.now();
        const expired = await trx
          .selectFrom('tasks')
          .select(['task_id', 'execution_id', 'attempt_number', 'worker_agent_id', 'last_heartbeat_time'])
          .where('state', '=', 'running')
          .where('lease_deadline', '<', now)
          .orderBy('task_id')
          .execute();
        const lastHeard = new Map(expired.map((row) => [row.task_id, row.last_heartbeat_time]));
        return releaseAttempts(ctx, trx, expired, (attempt) => {
          // Every claim sets last_heartbeat_time, so it is present on a running attempt.
          const silentSeconds = Math.round((now - num(lastHeard.get(attempt.task_id) ?? now)) / 1000);
          return `lease expired: no heartbeat from worker ${attempt.worker_agent_id} for ${silentSeconds} s`;
        });
      }),
  };
}
