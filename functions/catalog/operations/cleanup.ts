import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import { finalExecutionStatuses } from '../domain.js';

/** Executions removed per transaction: keeps each one short, as every catalog transaction must be. */
const batchSize = 100;

/**
 * cleanupCompletedExecutions (SSIS: "cleanup completed jobs"): deletes executions that ended before the
 * retention window, with their event messages, tasks and values, a batch at a time. Children go before their
 * parent. Running twice at once is harmless: each batch deletes what is still there.
 */
export function cleanupOperation(ctx: CatalogContext): Pick<Catalog, 'cleanupCompletedExecutions'> {
  return {
    async cleanupCompletedExecutions(retentionMs) {
      const cutoff = ctx.clock.now() - retentionMs;
      let deleted = 0;
      for (;;) {
        const removed = await ctx.engine.transaction(async (trx) => {
          const candidates = await trx
                .selectFrom('executions as e')
                .select('e.execution_id')
                .where('e.status', 'in', [...finalExecutionStatuses])
                .where('e.end_time', '<', cutoff)
                // A parent goes only once none of its children remain.
                .where((eb) =>
                  eb.not(
                    eb.exists(
                      eb.selectFrom('executions as child').select('child.execution_id').whereRef('child.parent_execution_id', '=', 'e.execution_id'),
                    ),
                  ),
                )
                .orderBy('e.execution_id')
                .limit(batchSize)
                .execute();
          const ids = candidates.map((row) => row.execution_id);
          if (ids.length === 0) return 0;
          await trx.deleteFrom('event_messages').where('execution_id', 'in', ids).execute();
          // Tasks, parameter values, allowed workers and required tags go with the execution (ON DELETE CASCADE).
          await trx.deleteFrom('executions').where('execution_id', 'in', ids).execute();
          return ids.length;
        });
        deleted += removed;
        if (removed === 0) return deleted;
      }
    },
  };
}
