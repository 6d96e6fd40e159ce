import { sql } from 'kysely';
import type { CatalogTrx, ClaimedTaskRow, ClaimTasksParams } from '../engine.js';

/**
 * claim-tasks (SQL Server / Azure SQL)
 *
 * Returns: the tasks just leased to the worker (task_id, execution_id, attempt_number), at most `slots` and never
 * more than the worker's MaxTaskCount minus the tasks it already runs; none when Scale Out is disabled, the worker
 * is disabled or unknown.
 * Parameters: worker agent id, now and lease deadline (epoch ms), slots.
 * Eligible tasks: as in the SQLite statement beside this one: pending, the execution lets any worker run it or
 * lists this worker, the worker has every required tag; oldest first.
 *
 * Lock hints, and why:
 * - worker row `UPDLOCK, ROWLOCK`: claims of one worker run one after the other, so two concurrent claims cannot
 *   both see the same free slots and exceed MaxTaskCount. Other workers are not blocked.
 * - tasks `UPDLOCK, READPAST, ROWLOCK`: the queue-table pattern. A row another claim has locked is skipped, not
 *   waited for, so concurrent workers take different tasks without blocking each other; UPDLOCK holds the rows
 *   read until the UPDATE changes them. READPAST needs the filtered index `ix_tasks_pending` to seek instead of
 *   scanning. These are locking reads, so they behave the same with READ_COMMITTED_SNAPSHOT on (the Azure SQL
 *   default); the join to executions reads the last committed version and never blocks.
 * - `OUTPUT` without `INTO`: the tasks table must have no trigger.
 */
export async function claimTasksMssql(trx: CatalogTrx, p: ClaimTasksParams): Promise<ClaimedTaskRow[]> {
  const { rows } = await sql<ClaimedTaskRow>`
SET NOCOUNT ON;
DECLARE @worker nvarchar(36) = ${p.workerAgentId};
DECLARE @now bigint = ${p.now};
DECLARE @deadline bigint = ${p.leaseDeadline};
DECLARE @slots int = ${p.slots};
DECLARE @free int;

SELECT @free = w.max_task_count - (SELECT COUNT(*) FROM dbo.tasks r
                                   WHERE r.worker_agent_id = w.worker_agent_id AND r.state = N'running')
FROM dbo.worker_agents w WITH (UPDLOCK, ROWLOCK)
WHERE w.worker_agent_id = @worker
  AND w.is_enabled = 1
  AND EXISTS (SELECT 1 FROM dbo.master_properties mp
              WHERE mp.property_name = N'IS_SCALEOUT_ENABLED' AND mp.property_value = N'true');

SET @free = CASE WHEN @free IS NULL OR @free < 0 THEN 0 WHEN @free > @slots THEN @slots ELSE @free END;

WITH eligible AS (
  SELECT TOP (@free) t.task_id, t.execution_id, t.attempt_number, t.state, t.worker_agent_id,
                     t.claimed_time, t.lease_deadline, t.last_heartbeat_time
  FROM dbo.tasks t WITH (UPDLOCK, READPAST, ROWLOCK)
  JOIN dbo.executions e ON e.execution_id = t.execution_id
  WHERE t.state = N'pending'
    AND (e.use_any_worker = 1
         OR EXISTS (SELECT 1 FROM dbo.execution_workers ew
                    WHERE ew.execution_id = t.execution_id AND ew.worker_agent_id = @worker))
    AND NOT EXISTS (SELECT 1 FROM dbo.execution_required_tags rt
                    WHERE rt.execution_id = t.execution_id
                      AND NOT EXISTS (SELECT 1 FROM dbo.worker_agent_tags wt
                                      WHERE wt.worker_agent_id = @worker AND wt.tag = rt.tag))
  ORDER BY t.task_id
)
UPDATE eligible
SET state = N'running',
    worker_agent_id = @worker,
    claimed_time = @now,
    lease_deadline = @deadline,
    last_heartbeat_time = @now
OUTPUT inserted.task_id, inserted.execution_id, inserted.attempt_number;`.execute(trx);
  return rows.map((row) => ({
    task_id: Number(row.task_id),
    execution_id: Number(row.execution_id),
    attempt_number: Number(row.attempt_number),
  }));
}
