import { sql } from 'kysely';
import type { CatalogTrx, ClaimedTaskRow, ClaimTasksParams } from '../engine.js';

/**
 * claim-tasks (SQLite)
 *
 * Returns: the tasks just leased to the worker (task_id, execution_id, attempt_number), at most `slots` and never
 * more than the worker's MaxTaskCount minus the tasks it already runs; none when Scale Out is disabled, the worker
 * is disabled or unknown.
 * Parameters: worker agent id, claim id (kept on the leased tasks), now and lease deadline (epoch ms), slots.
 * Eligible tasks: pending, of an execution that lets any worker run it or lists this worker, whose every required
 * tag the worker has; oldest execution first: by the execution's queue time (`queued_time`, which a retry keeps),
 * then task id. `ix_tasks_pending (queued_time, task_id)` gives that order without sorting.
 *
 * One statement: SQLite runs it under the database's single write lock (the catalog begins its transactions
 * IMMEDIATE), so no two workers can lease the same task and the MaxTaskCount count cannot go stale in between.
 * `max(0, …)` and `coalesce(…, 0)` matter: a negative LIMIT means "no limit" to SQLite, and a NULL one (no such
 * enabled worker) is an error.
 */
export async function claimTasksSqlite(trx: CatalogTrx, p: ClaimTasksParams): Promise<ClaimedTaskRow[]> {
  const { rows } = await sql<ClaimedTaskRow>`
UPDATE tasks
SET state = 'running',
    worker_agent_id = ${p.workerAgentId},
    claim_id = ${p.claimId},
    claimed_time = ${p.now},
    lease_deadline = ${p.leaseDeadline},
    last_heartbeat_time = ${p.now}
WHERE task_id IN (
  SELECT t.task_id
  FROM tasks t
  JOIN executions e ON e.execution_id = t.execution_id
  WHERE t.state = 'pending'
    AND (e.use_any_worker = 1
         OR EXISTS (SELECT 1 FROM execution_workers ew
                    WHERE ew.execution_id = t.execution_id AND ew.worker_agent_id = ${p.workerAgentId}))
    AND NOT EXISTS (SELECT 1 FROM execution_required_tags rt
                    WHERE rt.execution_id = t.execution_id
                      AND NOT EXISTS (SELECT 1 FROM worker_agent_tags wt
                                      WHERE wt.worker_agent_id = ${p.workerAgentId} AND wt.tag = rt.tag))
  ORDER BY t.queued_time, t.task_id
  LIMIT coalesce((
    SELECT max(0, min(${p.slots}, w.max_task_count - (SELECT count(*) FROM tasks r
                                                     WHERE r.worker_agent_id = w.worker_agent_id
                                                       AND r.state = 'running')))
    FROM worker_agents w
    WHERE w.worker_agent_id = ${p.workerAgentId}
      AND w.is_enabled = 1
      AND EXISTS (SELECT 1 FROM master_properties mp
                  WHERE mp.property_name = 'IS_SCALEOUT_ENABLED' AND mp.property_value = 'true')
  ), 0)
)
RETURNING task_id, execution_id, attempt_number`.execute(trx);
  return rows;
}
