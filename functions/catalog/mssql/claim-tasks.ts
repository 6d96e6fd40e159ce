import { sql } from 'kysely';
import type { CatalogTrx, ClaimedTaskRow, ClaimTasksParams } from '../engine.js';

/**
 * claim-tasks (SQL Server / Azure SQL)
 *
 * Returns: the tasks just leased to the worker (task_id, execution_id, attempt_number), at most `slots` and never
 * more than the worker's MaxTaskCount minus the tasks it already runs; none when Scale Out is disabled, the worker
 * is disabled or unknown.
 * Parameters: worker agent id, claim id (kept on the leased tasks), now and lease deadline (epoch ms), slots.
 * Eligible tasks: as in the SQLite statement beside this one: pending, the execution lets any worker run it or
 * lists this worker, the worker has every required tag. Oldest execution first: by `queued_time`, the time the
 * execution was queued, which a retry keeps, so a retried task is claimed before work created after its
 * execution started; then by task id. `ix_tasks_pending (queued_time, task_id)` is read in that order.
 *
 * Lock hints, and why (READ_COMMITTED_SNAPSHOT is on by default in Azure SQL, so a plain read is a versioned
 * read as of its statement's start, blocks on nothing and can be stale):
 * - worker row `UPDLOCK, ROWLOCK`: claims of one worker run one after the other, so two concurrent claims cannot
 *   both see the same free slots and exceed MaxTaskCount. Other workers are not blocked.
 * - running tasks `READCOMMITTEDLOCK`, counted in a statement after the worker row is locked: a versioned count
 *   would be as of before the claim that held the worker row committed, and the second claim would hand out the
 *   slots the first just took. The locking read waits for that claim's rows and counts them.
 * - pending tasks `UPDLOCK, READPAST, ROWLOCK, READCOMMITTEDLOCK`: the queue-table pattern. A row another claim
 *   has locked is skipped, not waited for, so concurrent workers take different tasks without blocking each
 *   other; UPDLOCK holds the rows read until the UPDATE changes them. READCOMMITTEDLOCK beside READPAST, as the
 *   table-hints documentation asks under READ_COMMITTED_SNAPSHOT: the scan reads with locks, so it skips rows
 *   locked by others instead of reading their older versions. READPAST needs `ix_tasks_pending` to seek instead
 *   of scanning. The join to executions reads the last committed version and never blocks.
 * - `OUTPUT` without `INTO`: the tasks table must have no trigger.
 */
export async function claimTasksMssql(trx: CatalogTrx, p: ClaimTasksParams): Promise<ClaimedTaskRow[]> {
  const { rows } = await sql<ClaimedTaskRow>`
SET NOCOUNT ON;
DECLARE @worker nvarchar(36) = ${p.workerAgentId};
DECLARE @now bigint = ${p.now};
DECLARE @deadline bigint = ${p.leaseDeadline};
DECLARE @slots int = ${p.slots};
DECLARE @max_task_count int;
DECLARE @running int;
DECLARE @claim nvarchar(64) = ${p.claimId};
DECLARE @free int;

SELECT @max_task_count = w.max_task_count
FROM dbo.worker_agents w WITH (UPDLOCK, ROWLOCK)
WHERE w.worker_agent_id = @worker
  AND w.is_enabled = 1
  AND EXISTS (SELECT 1 FROM dbo.master_properties mp
              WHERE mp.property_name = N'IS_SCALEOUT_ENABLED' AND mp.property_value = N'true');

SELECT @running = COUNT(*)
FROM dbo.tasks r WITH (READCOMMITTEDLOCK)
WHERE r.worker_agent_id = @worker AND r.state = N'running';

SET @free = CASE WHEN @max_task_count IS NULL OR @max_task_count - @running < 0 THEN 0
                 WHEN @max_task_count - @running > @slots THEN @slots
                 ELSE @max_task_count - @running END;

WITH eligible AS (
  SELECT TOP (@free) t.task_id, t.execution_id, t.attempt_number, t.state, t.worker_agent_id,
                     t.claim_id, t.claimed_time, t.lease_deadline, t.last_heartbeat_time
  FROM dbo.tasks t WITH (UPDLOCK, READPAST, ROWLOCK, READCOMMITTEDLOCK)
  JOIN dbo.executions e ON e.execution_id = t.execution_id
  WHERE t.state = N'pending'
    AND (e.use_any_worker = 1
         OR EXISTS (SELECT 1 FROM dbo.execution_workers ew
                    WHERE ew.execution_id = t.execution_id AND ew.worker_agent_id = @worker))
    AND NOT EXISTS (SELECT 1 FROM dbo.execution_required_tags rt
                    WHERE rt.execution_id = t.execution_id
                      AND NOT EXISTS (SELECT 1 FROM dbo.worker_agent_tags wt
                                      WHERE wt.worker_agent_id = @worker AND wt.tag = rt.tag))
  ORDER BY t.queued_time, t.task_id
)
UPDATE eligible
SET state = N'running',
    worker_agent_id = @worker,
    claim_id = @claim,
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
