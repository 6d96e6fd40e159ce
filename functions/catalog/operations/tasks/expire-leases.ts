import type { Catalog } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import { num, numOrNull } from '../../rows.js';
import { MasterProperty, setProperty } from '../master-properties.js';
import { releaseAttempts } from './release-attempts.js';

/**
 * expireLeases (SSIS: "deal with expired tasks"): running attempts whose deadline passed belong to a worker that
 * stopped heartbeating. Each is marked lost and its execution re-queued while retries remain, else ended with
 * status 6, and its worker is shown offline from then on until it is heard from again. Safe to run on several instances at once: see releaseAttempts.
 *
 * A lease is judged only by a master that was watching: when the last sweep is older than twice the sweep
 * interval, the master (or the catalog) was down and workers could not heartbeat — a lease may have run out in
 * that time although its worker tried to renew it. Then every running lease is given a full lease from now
 * instead, and the next sweeps judge them normally. (Comparing the silence with the lease instead would expire
 * leases that ran out during an outage shorter than a lease, and would never expire anything when sweeps are
 * rarer than a lease, as with SSIS's 5-minute sweep.) A caller that knows it was not watching says `missed`.
 */
export function expireLeasesOperation(ctx: CatalogContext): Pick<Catalog, 'expireLeases'> {
  return {
    expireLeases: async ({ sweepIntervalMs, missed }) => {
      const released = await ctx.engine.transaction(async (trx) => {
        const now = ctx.clock.now();
        const last = await trx
          .selectFrom('master_properties')
          .select('property_value')
          .where('property_name', '=', MasterProperty.lastLeaseSweepTime)
          .executeTakeFirst();
        await setProperty(trx, MasterProperty.lastLeaseSweepTime, String(now));
        const lastSweep = last?.property_value ? Number(last.property_value) : null;
        if (missed || lastSweep === null || now - lastSweep > 2 * sweepIntervalMs) {
          await trx
            .updateTable('tasks')
            .set({ lease_deadline: now + ctx.leaseMs })
            .where('state', '=', 'running')
            .where('lease_deadline', '<', now + ctx.leaseMs)
            .execute();
          return [];
        }
        const expired = await trx
          .selectFrom('tasks')
          .select(['task_id', 'execution_id', 'attempt_number', 'worker_agent_id', 'last_heartbeat_time'])
          .where('state', '=', 'running')
          .where('lease_deadline', '<', now)
          .orderBy('task_id')
          .execute();
        const lastHeard = new Map(expired.map((row) => [row.task_id, row.last_heartbeat_time]));
        const released = await releaseAttempts(ctx, trx, expired, (attempt) => {
          // Every claim sets last_heartbeat_time, so it is present on a running attempt.
          const silentSeconds = Math.round((now - num(lastHeard.get(attempt.task_id) ?? now)) / 1000);
          return `lease expired: no heartbeat from worker ${attempt.worker_agent_id} for ${silentSeconds} s`;
        });
        // Given up on: shown offline until it is heard from again.
        const silent = [...new Set(released.flatMap((task) => (task.workerAgentId === null ? [] : [task.workerAgentId])))];
        if (silent.length > 0) {
          await trx.updateTable('worker_agents').set({ lease_expired_time: now }).where('worker_agent_id', 'in', silent).execute();
        }
        return released;
      });
      // After the commit, so that a lease taken meanwhile is seen: the alarm is then due no later than it ends.
      const next = await ctx.engine.read((db) =>
        db
          .selectFrom('tasks')
          .select((eb) => eb.fn.min('lease_deadline').as('deadline'))
          .where('state', '=', 'running')
          .executeTakeFirst(),
      );
      return { released, nextLeaseDeadline: numOrNull(next?.deadline ?? null) };
    },
  };
}
