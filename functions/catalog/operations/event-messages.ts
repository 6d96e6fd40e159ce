import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import { toEventMessage } from '../rows.js';

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

    listEventMessages: (executionId, afterEventMessageId, limit) =>
      ctx.engine.read(async (db) =>
        (
          await db
            .selectFrom('event_messages')
            .selectAll()
            .where('execution_id', '=', executionId)
            .where('event_message_id', '>', afterEventMessageId)
            .orderBy('event_message_id')
            .limit(limit)
            .execute()
        ).map(toEventMessage),
      ),
  };
}
