import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../contracts/worker-protocol.js';
import { eventRowsOf, packEventBatches, unpackEventBatch } from '../../functions/events/queued-events.js';
import { maxQueuedMessageBytes } from '../../functions/queues/storage-queue.js';

const line = (n: number, message = `flood line ${n} “quoted” é`): WorkerEvent => ({
  sequenceNumber: n,
  time: new Date(Date.UTC(2026, 11, 4, 18, 0, 0, n)).toISOString(),
  type: n % 7 === 0 ? 'warning' : 'information',
  source: 'stdout',
  message,
});

describe('a worker batch packed into event queue messages', () => {
  it('fills each message up to the queue limit, in order, and unpacks to the rows the one-box stores', () => {
    const events = Array.from({ length: 2000 }, (_, i) => line(i + 1));
    const messages = packEventBatches(12, 34, events);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(maxQueuedMessageBytes);
    // Full: the next message's first line would not have fitted in the one before.
    for (let i = 1; i < messages.length; i++) {
      const firstOfNext = JSON.stringify(JSON.parse(messages[i]!).events[0]);
      expect(Buffer.byteLength(messages[i - 1]!) + Buffer.byteLength(firstOfNext) + 1).toBeGreaterThan(maxQueuedMessageBytes);
    }
    expect(messages.flatMap(unpackEventBatch)).toEqual(eventRowsOf(12, 34, events));
  });

  it('cuts a line too long for a message on its own, and says so', () => {
    const long = 'x'.repeat(maxQueuedMessageBytes * 2);
    const messages = packEventBatches(1, 2, [line(1), line(2, long), line(3)]);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(maxQueuedMessageBytes);
    const rows = messages.flatMap(unpackEventBatch);
    expect(rows.map((row) => row.sequenceNumber)).toEqual([1, 2, 3]);
    expect(rows[1]!.message).toMatch(new RegExp(`^x+… \\[cut: the line had ${long.length} characters\\]$`));
  });
});
