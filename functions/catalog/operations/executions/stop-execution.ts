import type { CatalogContext } from '../../context.js';
import { ExecutionStatus, finalExecutionStatuses, isFinalStatus } from '../../domain.js';
import type { CatalogTrx } from '../../engine.js';
import { IllegalStateError } from '../../errors.js';
import { audit } from '../audit.js';
import { lockExecution } from './execution-rows.js';

/**
 * stop_operation inside the caller's transaction, down the whole tree: a created or pending execution is canceled
 * at once; a running one becomes stopping, and its worker learns it from its next heartbeat, kills the package
 * and reports `canceled` (if it never does, the lease sweep ends the execution as canceled). Children still going
 * are stopped the same way; an execution that already ended is left alone unless it is the one asked for.
 */
export async function stopInTransaction(
  ctx: CatalogContext,
  trx: CatalogTrx,
  executionId: number,
  actor: string,
  asChild = false,
): Promise<void> {
  const { status } = await lockExecution(trx, executionId);
  const now = ctx.clock.now();
  const reason = asChild ? `stopped with its parent by ${actor}` : `stopped by ${actor}`;
  if (status === ExecutionStatus.created || status === ExecutionStatus.pending) {
    await trx
      .updateTable('tasks')
      .set({ state: 'canceled', end_time: now, result_message: `${reason} before a worker took it` })
      .where('execution_id', '=', executionId)
      .where('state', '=', 'pending')
      .execute();
    await trx
      .updateTable('executions')
      .set({ status: ExecutionStatus.canceled, end_time: now, status_message: reason })
      .where('execution_id', '=', executionId)
      .execute();
  } else if (status === ExecutionStatus.running) {
    await trx
      .updateTable('tasks')
      .set({ cancel_requested: 1 })
      .where('execution_id', '=', executionId)
      .where('state', '=', 'running')
      .execute();
    await trx
      .updateTable('executions')
      .set({ status: ExecutionStatus.stopping, status_message: `stop requested by ${actor}` })
      .where('execution_id', '=', executionId)
      .execute();
  } else if (isFinalStatus(status) && !asChild) {
    throw new IllegalStateError('execution', executionId, `already ended (status ${status})`, 'stop');
  }
  if (!asChild) await audit(ctx, trx, { actor, action: 'stop-operation', targetType: 'execution', targetId: executionId });
  const children = await trx
    .selectFrom('executions')
    .select('execution_id')
    .where('parent_execution_id', '=', executionId)
    .where('status', 'not in', [...finalExecutionStatuses])
    .orderBy('execution_id')
    .execute();
  for (const child of children) await stopInTransaction(ctx, trx, child.execution_id, actor, true);
}
