import { z } from 'zod';
import type { WorkerEvent } from '../../contracts/worker-protocol.js';
import { EventMessageType, type NewEventMessage } from '../catalog/domain.js';
import { maxQueuedMessageBytes } from '../queues/storage-queue.js';

/** SSISDB message_type of each event type a worker sends. */
export const messageTypeOf: Record<WorkerEvent['type'], EventMessageType> = {
  error: EventMessageType.error,
  warning: EventMessageType.warning,
  information: EventMessageType.information,
  progress: EventMessageType.progress,
};

/** One queue message: consecutive event messages of one attempt. */
const QueuedEventBatch = z.object({
  v: z.literal(1),
  executionId: z.int().positive(),
  taskId: z.int().positive(),
  events: z.array(
    z.object({
      seq: z.int().positive(),
      time: z.number(),
      type: z.int(),
      source: z.string(),
      message: z.string(),
    }),
  ),
});

/**
 * Packs a worker's batch into as few queue messages as fit under the queue's size limit, in sequence order.
 * A single line too long for a message on its own is cut, and says so. Each line is turned into JSON once: its
 * text both measures it and goes into the message as it is.
 */
export function packEventBatches(executionId: number, taskId: number, events: readonly WorkerEvent[]): string[] {
  const head = `{"v":1,"executionId":${executionId},"taskId":${taskId},"events":[`;
  const tail = ']}';
  const envelopeBytes = head.length + tail.length;
  const messages: string[] = [];
  let current: string[] = [];
  let currentBytes = 0;
  for (const event of events) {
    const entry = {
      seq: event.sequenceNumber,
      time: Date.parse(event.time),
      type: messageTypeOf[event.type],
      source: event.source,
      message: event.message,
    };
    let json = JSON.stringify(entry);
    let bytes = Buffer.byteLength(json) + 1;
    if (envelopeBytes + bytes > maxQueuedMessageBytes) {
      json = JSON.stringify({ ...entry, message: truncateToFit(entry.message, maxQueuedMessageBytes - envelopeBytes - 512) });
      bytes = Buffer.byteLength(json) + 1;
    }
    if (current.length > 0 && envelopeBytes + currentBytes + bytes > maxQueuedMessageBytes) {
      messages.push(head + current.join(',') + tail);
      current = [];
      currentBytes = 0;
    }
    current.push(json);
    currentBytes += bytes;
  }
  if (current.length > 0) messages.push(head + current.join(',') + tail);
  return messages;
}

/** The catalog rows of a worker's batch, as the one-box stores them before it answers. */
export function eventRowsOf(executionId: number, taskId: number, events: readonly WorkerEvent[]): NewEventMessage[] {
  return events.map((event) => ({
    executionId,
    taskId,
    sequenceNumber: event.sequenceNumber,
    messageTime: Date.parse(event.time),
    messageType: messageTypeOf[event.type],
    messageSourceName: event.source,
    message: event.message,
  }));
}

/** The catalog rows of one queue message; throws when the message is not a batch this master wrote. */
export function unpackEventBatch(text: string): NewEventMessage[] {
  const batch = QueuedEventBatch.parse(JSON.parse(text));
  return batch.events.map((event) => ({
    executionId: batch.executionId,
    taskId: batch.taskId,
    sequenceNumber: event.seq,
    messageTime: event.time,
    messageType: event.type as EventMessageType,
    messageSourceName: event.source,
    message: event.message,
  }));
}

function truncateToFit(message: string, maxBytes: number): string {
  // JSON escaping can double a character's size: keep a margin of half the budget in characters.
  const kept = message.slice(0, Math.floor(maxBytes / 2));
  return `${kept}… [cut: the line had ${message.length} characters]`;
}
