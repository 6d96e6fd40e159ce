import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { maxEventMessageLength, maxEventsPerRequest, type WorkerEvent } from '../../contracts/worker-protocol.js';
import { eventRowsOf, packEventBatches, unpackEventBatch } from '../../functions/events/queued-events.js';
import { maxQueuedMessageBytes } from '../../functions/queues/storage-queue.js';

const line = (n: number, message = `flood line ${n} “quoted” é`): WorkerEvent => ({
  sequenceNumber: n,
  time: new Date(Date.UTC(2026, 11, 4, 18, 0, 0, n)).toISOString(),
  type: n % 7 === 0 ? 'warning' : 'information',
  source: 'stdout',
  message,
});

/** Text that does not compress: pseudo-random CJK characters (3 bytes each in UTF-8), the same on every run. */
function noise(length: number, seed: number): string {
  let state = seed;
  return Array.from({ length }, () => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return String.fromCharCode(0x4e00 + ((state >>> 0) % 0x5000));
  }).join('');
}

describe('a worker batch packed into event queue messages', () => {
  it('sends a full batch of log lines as one message, which unpacks to the rows the one-box stores', () => {
    const events = Array.from({ length: maxEventsPerRequest }, (_, i) => line(i + 1));
    const messages = packEventBatches(12, 34, events);
    expect(messages).toHaveLength(1);
    expect(Buffer.byteLength(messages[0]!)).toBeLessThanOrEqual(maxQueuedMessageBytes);
    // Whose lines they are shows in the clear, as in a poison message's preview.
    expect(messages[0]).toMatch(/^\{"v":2,"executionId":12,"taskId":34,/);
    expect(unpackEventBatch(messages[0]!)).toEqual(eventRowsOf(12, 34, events));
  });

  it('splits lines that do not compress over several messages under the limit, in order', () => {
    const events = Array.from({ length: 100 }, (_, i) => line(i + 1, noise(1000, i + 1)));
    const messages = packEventBatches(12, 34, events);
    // 100 lines of 3,000 bytes: at least seven messages of 46 kB.
    expect(messages.length).toBeGreaterThanOrEqual(7);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(maxQueuedMessageBytes);
    expect(messages.flatMap(unpackEventBatch)).toEqual(eventRowsOf(12, 34, events));
  });

  it('cuts a line too long for a message on its own, and says so', () => {
    const long = noise(maxEventMessageLength, 7);
    const messages = packEventBatches(1, 2, [line(1), line(2, long), line(3)]);
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(maxQueuedMessageBytes);
    const rows = messages.flatMap(unpackEventBatch);
    expect(rows.map((row) => row.sequenceNumber)).toEqual([1, 2, 3]);
    expect(rows[1]!.message).toMatch(new RegExp(`^[\\u4e00-\\u9dff]+… \\[cut: the line had ${long.length} characters\\]$`));
    expect(long.startsWith(rows[1]!.message.split('…')[0]!)).toBe(true);
  });

  it('refuses a message this master did not write', () => {
    const deflated = (columns: unknown) => deflateRawSync(JSON.stringify(columns)).toString('base64');
    const message = (fields: object) => JSON.stringify({ v: 2, executionId: 1, taskId: 2, ...fields });
    const columns = { seq: [1, 2], time: [0, 0], type: [70, 70], source: ['stdout', 'stdout'], message: ['a', 'b'] };
    expect(unpackEventBatch(message({ deflated: deflated(columns) }))).toHaveLength(2);
    expect(() => unpackEventBatch('{"not":"an event batch"}')).toThrow();
    expect(() => unpackEventBatch(message({ deflated: 'not deflated' }))).toThrow();
    expect(() => unpackEventBatch(message({ deflated: deflated({ ...columns, message: ['a'] }) }))).toThrow(/columns of different lengths/);
    expect(() => unpackEventBatch(message({ deflated: deflated({ ...columns, seq: [1, 0] }) }))).toThrow();
  });
});
