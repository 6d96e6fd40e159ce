import type { ReleasedTask } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import type { CatalogTrx } from '../../engine.js';
import { settleAttempt } from './settle-attempt.js';

export interface RunningAttempt {
  task_id: number;
  execution_id: number;
  attempt_number: number;
  worker_agent_id: string | null;
}

/**
 * Marks running attempts lost and settles their executions (re-queued while retries remain). Each attempt is
 * taken with its own conditional UPDATE: when two master instances release the same attempt at once, exactly one
 * sees its row change and settles it; the other skips it. That keeps the sweep idempotent on both engines.
 */
export async function releaseAttempts(
  ctx: CatalogContext,
  trx: CatalogTrx,
  attempts: readonly RunningAttempt[],
  reason: (attempt: RunningAttempt) => string,
): Promise<ReleasedTask[]> {
  const released: ReleasedTask[] = [];
  for (const attempt of attempts) {
    const message = reason(attempt);
    const result = await trx
      .updateTable('tasks')
      .set({ state: 'lost', end_time: ctx.clock.now(), result_message: message })
      .where('task_id', '=', attempt.task_id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    const settlement = await settleAttempt(ctx, trx, {
      executionId: attempt.execution_id,
      attemptNumber: attempt.attempt_number,
      outcome: 'lost',
      message,
    });
    released.push({
      taskId: attempt.task_id,
      attemptNumber: attempt.attempt_number,
      executionId: attempt.execution_id,
      workerAgentId: attempt.worker_agent_id,
      ...settlement,
    });
  }
  return released;
}
