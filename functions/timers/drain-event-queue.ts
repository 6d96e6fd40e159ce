import type { Catalog } from '../catalog/catalog.js';
import type { NewEventMessage } from '../catalog/domain.js';
import type { Logger } from '../http/api-request.js';
import type { EventQueue, QueuedMessage } from '../events/event-queue.js';
import { unpackEventBatch } from '../events/queued-events.js';

/** A message that failed to be stored this many times is set aside rather than retried forever. */
export const maxDeliveries = 5;

export interface DrainResult {
  messages: number;
  events: number;
  setAside: number;
}

/**
 * Moves event messages from the queue into the catalog, a batch of queue messages per catalog transaction, until
 * the queue is empty or the time budget is spent. Safe on several instances at once: the queue hides a message
 * from other readers while one handles it, and the catalog stores each (task, sequence) once if it comes twice.
 * A message is deleted only after its lines are committed, so a crash in between means a redelivery, not a loss.
 */
export async function drainEventQueue(
  queue: EventQueue,
  catalog: Catalog,
  log: Logger,
  options: { budgetMs?: number; now?: () => number } = {},
): Promise<DrainResult> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.budgetMs ?? 20_000);
  const result: DrainResult = { messages: 0, events: 0, setAside: 0 };
  while (now() < deadline) {
    const received = await queue.receive(32, 60);
    if (received.length === 0) break;
    const stored: QueuedMessage[] = [];
    const rows: NewEventMessage[] = [];
    for (const message of received) {
      if (message.dequeueCount > maxDeliveries) {
        await queue.setAside(message, `not stored after ${maxDeliveries} deliveries`);
        result.setAside++;
        continue;
      }
      try {
        rows.push(...unpackEventBatch(message.text));
        stored.push(message);
      } catch (error) {
        log.warn('event message set aside: not a valid event batch', { messageId: message.messageId });
        await queue.setAside(message, `not a valid event batch: ${error instanceof Error ? error.message : String(error)}`);
        result.setAside++;
      }
    }
    await catalog.appendEventMessages(rows);
    for (const message of stored) await queue.delete(message);
    result.messages += stored.length;
    result.events += rows.length;
  }
  return result;
}
