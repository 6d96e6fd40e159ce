import { ExecutionStatus, type TaskOutcome } from '../../domain.js';
import type { CatalogContext } from '../../context.js';
import type { CatalogTrx } from '../../engine.js';
import { IllegalStateError, NotFoundError } from '../../errors.js';
import { hotQuery } from '../../hot-query.js';
import { num } from '../../rows.js';
import { queueAttempt } from '../executions/write-execution.js';

export interface EndedAttempt {
  executionId: number;
  attemptNumber: number;
  /** `lost`: the worker can no longer finish it (lease expired, worker removed, worker gave it up). */
  outcome: TaskOutcome | 'lost';
  message: string | null;
}

export interface Settlement {
  executionStatus: ExecutionStatus;
  retryAttemptNumber?: number;
}

/** A running execution whose attempt succeeded has succeeded (see hot-query.ts: it runs for every task). */
const succeedRunning = hotQuery((db, v: { executionId: number; endTime: number; message: string | null }) =>
  db
    .updateTable('executions')
    .set({ status: ExecutionStatus.succeeded, end_time: v.endTime, status_message: v.message })
    .where('execution_id', '=', v.executionId)
    .where('status', '=', ExecutionStatus.running),
);

/**
 * Decides what an ended attempt means for its execution, in the same transaction that ended the attempt:
 * - succeeded → 7 succeeded;
 * - canceled, or any end while the execution is stopping (8) → 3 canceled;
 * - failed or lost while retries remain (attempt ≤ retry_count) → a new pending attempt, status 5 pending;
 * - otherwise failed → 4 failed, lost → 6 ended unexpectedly.
 */
export async function settleAttempt(ctx: CatalogContext, trx: CatalogTrx, ended: EndedAttempt): Promise<Settlement> {
  const now = ctx.clock.now();
  if (ended.outcome === 'succeeded') {
    // The common case, in one statement: a running execution whose attempt succeeded has succeeded.
    const succeeded = await succeedRunning(trx, { executionId: ended.executionId, endTime: now, message: ended.message });
    if (Number(succeeded.numAffectedRows) === 1) return { executionStatus: ExecutionStatus.succeeded };
  }
  const execution = await trx
    .selectFrom('executions')
    .select(['status', 'retry_count'])
    .where('execution_id', '=', ended.executionId)
    .executeTakeFirst();
  if (!execution) throw new NotFoundError('execution', ended.executionId);
  if (execution.status !== ExecutionStatus.running && execution.status !== ExecutionStatus.stopping) {
    throw new IllegalStateError('execution', ended.executionId, `in status ${execution.status}`, 'settle an attempt of');
  }

  const finish = async (status: ExecutionStatus, message: string | null): Promise<Settlement> => {
    await trx
      .updateTable('executions')
      .set({ status, end_time: now, status_message: message })
      .where('execution_id', '=', ended.executionId)
      .execute();
    return { executionStatus: status };
  };

  if (execution.status === ExecutionStatus.stopping || ended.outcome === 'canceled') {
    return finish(ExecutionStatus.canceled, ended.message ?? 'stopped');
  }
  if (ended.outcome === 'succeeded') return finish(ExecutionStatus.succeeded, ended.message);

  if (ended.attemptNumber <= execution.retry_count) {
    const next = ended.attemptNumber + 1;
    // The retry keeps its execution's place in the queue (issue 17: it went behind everything created since).
    const { queued_time: queuedTime } = await trx
      .selectFrom('tasks')
      .select('queued_time')
      .where('execution_id', '=', ended.executionId)
      .where('attempt_number', '=', ended.attemptNumber)
      .executeTakeFirstOrThrow();
    await queueAttempt(ctx, trx, ended.executionId, next, now, num(queuedTime));
    await trx
      .updateTable('executions')
      .set({
        status: ExecutionStatus.pending,
        status_message: `attempt ${ended.attemptNumber} ${ended.outcome}${ended.message ? `: ${ended.message}` : ''}; retrying (attempt ${next} of ${execution.retry_count + 1})`,
      })
      .where('execution_id', '=', ended.executionId)
      .execute();
    return { executionStatus: ExecutionStatus.pending, retryAttemptNumber: next };
  }
  return ended.outcome === 'failed'
    ? finish(ExecutionStatus.failed, ended.message)
    : finish(ExecutionStatus.endedUnexpectedly, ended.message);
}
