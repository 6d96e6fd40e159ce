import { deflateRawSync, inflateRawSync } from 'node:zlib';
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

/**
 * One queue message: consecutive event messages of one attempt. The attempt is named in the clear (a poison
 * message's preview says whose lines it holds); the lines travel as columns, deflated: log lines repeat themselves
 * so much that a worker's batch of 2,000 usually fits one message, which costs one send, one receive and one
 * delete instead of one per 46 kB of JSON.
 */
const QueuedEventBatch = z.object({
  v: z.literal(2),
  executionId: z.int().positive(),
  taskId: z.int().positive(),
  deflated: z.string(),
});

const EventColumns = z
  .object({
    seq: z.array(z.int().positive()),
    time: z.array(z.number()),
    type: z.array(z.int()),
    source: z.array(z.string()),
    message: z.array(z.string()),
  })
  .refine((c) => [c.time, c.type, c.source, c.message].every((column) => column.length === c.seq.length), 'columns of different lengths');
type EventColumns = z.infer<typeof EventColumns>;

/**
 * Packs a worker's batch into as few queue messages as fit under the queue's size limit, in sequence order: all of
 * it when it fits, else it is split into as many parts as its size asks for, each packed the same way. A single
 * line too long for a message on its own is cut, and says so.
 */
export function packEventBatches(executionId: number, taskId: number, events: readonly WorkerEvent[]): string[] {
  const message = queueMessage(executionId, taskId, events);
  if (message.length <= maxQueuedMessageBytes) return [message];
  const [only] = events;
  if (events.length === 1 && only) return [cutToFit(executionId, taskId, only)];
  const parts = Math.min(events.length, Math.ceil(message.length / maxQueuedMessageBytes));
  const size = Math.ceil(events.length / parts);
  const messages: string[] = [];
  for (let start = 0; start < events.length; start += size) messages.push(...packEventBatches(executionId, taskId, events.slice(start, start + size)));
  return messages;
}

/** The message text, all ASCII (base64 and digits): its length is its size in bytes. */
function queueMessage(executionId: number, taskId: number, events: readonly WorkerEvent[]): string {
  const columns: EventColumns = { seq: [], time: [], type: [], source: [], message: [] };
  for (const event of events) {
    columns.seq.push(event.sequenceNumber);
    columns.time.push(Date.parse(event.time));
    columns.type.push(messageTypeOf[event.type]);
    columns.source.push(event.source);
    columns.message.push(event.message);
  }
  // Level 1: nearly the ratio of the default level at a fraction of its time; the master deflates every batch.
  const deflated = deflateRawSync(JSON.stringify(columns), { level: 1 }).toString('base64');
  return `{"v":2,"executionId":${executionId},"taskId":${taskId},"deflated":"${deflated}"}`;
}

/** Halves the line until its message fits (incompressible text, or a long source name, may need more than once). */
function cutToFit(executionId: number, taskId: number, event: WorkerEvent): string {
  for (let kept = Math.floor(event.message.length / 2); ; kept = Math.floor(kept / 2)) {
    const cut = `${event.message.slice(0, kept)}… [cut: the line had ${event.message.length} characters]`;
    const message = queueMessage(executionId, taskId, [{ ...event, message: cut }]);
    if (message.length <= maxQueuedMessageBytes || kept === 0) return message;
  }
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
  const columns = EventColumns.parse(JSON.parse(inflateRawSync(Buffer.from(batch.deflated, 'base64')).toString('utf8')));
  return columns.seq.map((sequenceNumber, i) => ({
    executionId: batch.executionId,
    taskId: batch.taskId,
    sequenceNumber,
    messageTime: columns.time[i]!,
    messageType: columns.type[i] as EventMessageType,
    messageSourceName: columns.source[i]!,
    message: columns.message[i]!,
  }));
}
