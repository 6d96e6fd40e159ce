import type { Catalog } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import { hotQuery } from '../../hot-query.js';
import { toExecutionStatus } from '../../rows.js';
import { StaleAttemptError } from '../../errors.js';
import { settleAttempt } from './settle-attempt.js';

/** SQL Server keeps result and status messages in nvarchar(4000). */
export const maxMessageLength = 4000;

export function clipMessage(message: string | undefined): string | null {
  if (message === undefined) return null;
  return message.length > maxMessageLength ? `${message.slice(0, maxMessageLength - 1)}…` : message;
}

/** The fencing check and the write: ends the attempt only while this worker holds it. */
const endAttempt = hotQuery(
  (
    db,
    v: { taskId: number; attemptNumber: number; workerAgentId: string; state: string; endTime: number; exitCode: number | null; message: string | null },
  ) =>
    db
      .updateTable('tasks')
      .set({ state: v.state, end_time: v.endTime, exit_code: v.exitCode, result_message: v.message })
      .where('task_id', '=', v.taskId)
      .where('attempt_number', '=', v.attemptNumber)
      .where('worker_agent_id', '=', v.workerAgentId)
      .where('state', '=', 'running')
      .returning('execution_id'),
);

/**
 * completeTask: the fencing check and the write are one conditional UPDATE: it changes the attempt only while
 * this worker holds it (same task, same attempt number, still running). No row changed means the report is
 * stale, and nothing at all is written. The same report delivered twice (a retry after a lost response) is
 * recognised and answered without change.
 */
export function completeTaskOperation(ctx: CatalogContext): Pick<Catalog, 'completeTask'> {
  return {
    completeTask: (workerAgentId, report) =>
      ctx.engine.transaction(async (trx) => {
        const state = report.outcome === 'abandoned' ? 'lost' : report.outcome;
        const message = clipMessage(report.message);
        const [ended] = (
          await endAttempt(trx, {
            taskId: report.taskId,
            attemptNumber: report.attemptNumber,
            workerAgentId,
            state,
            endTime: ctx.clock.now(),
            exitCode: report.exitCode ?? null,
            message,
          })
        ).rows;
        if (ended) {
          const settlement = await settleAttempt(ctx, trx, {
            executionId: ended.execution_id,
            attemptNumber: report.attemptNumber,
            outcome: report.outcome === 'abandoned' ? 'lost' : report.outcome,
            message: message ?? (report.outcome === 'abandoned' ? 'abandoned by the worker' : null),
          });
          return { ...settlement, alreadyRecorded: false };
        }

        // Not changed: say why, from what the attempt is now.
        const row = await trx
          .selectFrom('tasks as t')
          .innerJoin('executions as e', 'e.execution_id', 't.execution_id')
          .select(['t.state', 't.worker_agent_id', 't.exit_code', 'e.status'])
          .where('t.task_id', '=', report.taskId)
          .where('t.attempt_number', '=', report.attemptNumber)
          .executeTakeFirst();
        if (!row) throw new StaleAttemptError(report.taskId, report.attemptNumber, 'no such attempt');
        if (row.worker_agent_id !== workerAgentId) {
          throw new StaleAttemptError(report.taskId, report.attemptNumber, 'another worker holds this attempt');
        }
        if (row.state === state && row.exit_code === (report.exitCode ?? null)) {
          return { executionStatus: toExecutionStatus(row.status), alreadyRecorded: true };
        }
        throw new StaleAttemptError(
          report.taskId,
          report.attemptNumber,
          row.state === 'lost' ? 'the lease was lost and the attempt ended' : `the attempt already ended as ${row.state}`,
        );
      }),
  };
}
