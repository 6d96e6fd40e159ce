import type { QueueFunction } from '../queues/queue-function.js';
import { unpackEventBatch } from './queued-events.js';

/**
 * Event messages: queue → catalog, one queue message (consecutive lines of one attempt) per catalog transaction.
 * Safe on several instances at once: the queue hides a message from other readers while one handles it, and the
 * catalog stores each (task, sequence) once if a message comes twice. A message that is not a batch this master
 * wrote, or that the catalog refuses every time, ends in the poison queue after host.json's `maxDequeueCount`.
 */
export const storeEventMessagesFunction: QueueFunction = {
  kind: 'queue',
  name: 'storeEventMessages',
  queueSetting: 'SCALEOUT_EVENT_QUEUE_NAME',
  queueName: (config) => config.eventQueue.name,
  queue: (services) => services.eventQueue,
  async run(message, services) {
    await services.catalog.appendEventMessages(unpackEventBatch(message.text));
  },
};
