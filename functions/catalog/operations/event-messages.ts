import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { CatalogDb } from '../engine.js';
import { toEventMessage } from '../rows.js';

/** An execution and all its descendants, a level of children at a time. */
async function executionTree(db: CatalogDb, executionId: number): Promise<number[]> {
  const tree = [executionId];
  for (let level = [executionId]; level.length > 0; ) {
    const children = await db.selectFrom('executions').select('execution_id').where('parent_execution_id', 'in', level).execute();
    level = children.map((child) => child.execution_id);
    tree.push(...level);
  }
  return tree;
}

export function eventMessageOperations(ctx: CatalogContext): Pick<Catalog, 'appendEventMessages' | 'listEventMessages'> {
  return {
    async appendEventMessages(messages) {
      if (messages.length === 0) return;
      // Within a batch, lines go in by task and sequence, so cursor order follows each task's order.
      const rows = [...messages]
        .sort((a, b) => a.taskId - b.taskId || a.sequenceNumber - b.sequenceNumber)
        .map((m) => ({
          execution_id: m.executionId,
          task_id: m.taskId,
          sequence_number: m.sequenceNumber,
          message_time: m.messageTime,
          message_type: m.messageType,
          message_source_name: m.messageSourceName,
          message: m.message,
        }));
      await ctx.engine.transaction((trx) => ctx.engine.insertEventMessagesIgnoringDuplicates(trx, rows));
    },

    listEventMessages: (executionId, afterEventMessageId, limit, options) =>
      ctx.engine.read(async (db) => {
        const executions = options?.tree ? await executionTree(db, executionId) : [executionId];
        const rows = await db
          .selectFrom('event_messages')
          .selectAll()
          .where('execution_id', 'in', executions)
          .where('event_message_id', '>', afterEventMessageId)
          .orderBy('event_message_id')
          .limit(limit)
          .execute();
        return rows.map(toEventMessage);
      }),
  };
}
