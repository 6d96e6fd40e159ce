import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maxEventMessageLength, postEvents, type WorkerEvent } from '../../contracts/worker-protocol.js';
import { EventShipper } from '../../worker-agent/event-shipper.js';
import { ConnectivityMonitor } from '../../worker-agent/master/connectivity.js';
import { ReportSpool, type Report } from '../../worker-agent/report-spool.js';
import { FakeClock } from './support/fake-clock.js';
import { FakeMaster, staleAttempt } from './support/fake-master.js';
import { memoryLogger } from './support/logs.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'scaleout-worker-spool-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function openSpool(master: FakeMaster, clock = new FakeClock()) {
  const log = memoryLogger();
  const spool = new ReportSpool({
    folder,
    master,
    clock,
    log,
    connectivity: new ConnectivityMonitor(log, () => clock.now()),
    retryTimeoutMs: 7 * 86_400_000,
  });
  return { spool, log, clock };
}

const event = (sequenceNumber: number, message: string): WorkerEvent => ({
  sequenceNumber,
  time: '2026-01-01T00:00:00.000Z',
  type: 'information',
  source: 'stdout',
  message,
});

const events = (taskId: number, ...messages: [number, string][]): Report => ({
  kind: 'events',
  taskId,
  attemptNumber: 1,
  events: messages.map(([n, m]) => event(n, m)),
});

const complete = (taskId: number, outcome: 'succeeded' | 'failed' | 'abandoned' = 'succeeded'): Report => ({
  kind: 'complete',
  taskId,
  attemptNumber: 1,
  outcome,
  exitCode: outcome === 'succeeded' ? 0 : null,
  message: outcome,
});

describe('the report spool (ExecutionLogCacheFolder)', () => {
  it('keeps reports on disk while the master is down; after a restart they are delivered first, in order', async () => {
    const down = new FakeMaster();
    down.down = true;
    const before = openSpool(down);
    await before.spool.open();
    const results = [];
    for (const report of [events(1, [1, 'one'], [2, 'two']), events(2, [1, 'other task']), events(1, [3, 'three']), complete(1), complete(2, 'failed')]) {
      results.push(await before.spool.submit(report));
    }
    expect(results).toEqual(['spooled', 'spooled', 'spooled', 'spooled', 'spooled']);
    expect(readdirSync(folder).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(folder)).toHaveLength(5);

    // The agent restarts: a new spool on the same folder, and the master is back.
    const master = new FakeMaster();
    const after = openSpool(master);
    await after.spool.open();
    expect(after.spool.pendingCount).toBe(5);
    expect(await after.spool.deliverPending()).toBe(true);
    expect(master.events.map((e) => [e.taskId, e.body.events.map((x) => x.message)])).toEqual([
      [1, ['one', 'two']],
      [2, ['other task']],
      [1, ['three']],
    ]);
    expect(master.completions.map((c) => [c.taskId, c.body.outcome])).toEqual([
      [1, 'succeeded'],
      [2, 'failed'],
    ]);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("sends a report straight away when nothing of its attempt waits, but never ahead of its attempt's waiting reports", async () => {
    const master = new FakeMaster();
    const { spool } = openSpool(master);
    await spool.open();
    expect(await spool.submit(events(1, [1, 'direct']))).toBe('delivered');
    master.down = true;
    expect(await spool.submit(events(1, [2, 'while down']))).toBe('spooled');
    master.down = false;
    // The master is back, but the completion must not overtake the events still waiting.
    expect(await spool.submit(complete(1))).toBe('spooled');
    expect(await spool.submit(events(9, [1, 'another attempt']))).toBe('delivered');
    await spool.deliverPending();
    expect(master.events.map((e) => e.body.events[0]?.message)).toEqual(['direct', 'another attempt', 'while down']);
    expect(master.completions).toHaveLength(1);
  });

  it('drops a report the master calls stale (409) and never sends it again', async () => {
    const master = new FakeMaster();
    let attempts = 0;
    master.completeHandler = () => {
      attempts += 1;
      throw staleAttempt();
    };
    const { spool, log } = openSpool(master);
    await spool.open();
    expect(await spool.submit(complete(1))).toBe('stale');
    expect(spool.pendingCount).toBe(0);

    master.down = true;
    await spool.submit(complete(2));
    master.down = false;
    expect(await spool.deliverPending()).toBe(true);
    expect(await spool.deliverPending()).toBe(true);
    expect(attempts).toBe(2);
    expect(readdirSync(folder)).toEqual([]);
    expect(log.count('the attempt is stale')).toBe(2);
  });

  it('stops at the first report the master cannot take and keeps the rest, in order, for the next try', async () => {
    const master = new FakeMaster();
    master.down = true;
    const { spool, log } = openSpool(master);
    await spool.open();
    await spool.submit(events(1, [1, 'a']));
    await spool.submit(events(1, [2, 'b']));
    await spool.submit(complete(1));
    master.down = false;
    master.failNext = 0;
    let calls = 0;
    master.completeHandler = () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return { executionStatus: 7, executionStatusName: 'succeeded', alreadyRecorded: false };
    };
    expect(await spool.deliverPending()).toBe(false);
    expect(spool.pendingCount).toBe(1);
    expect(await spool.deliverPending()).toBe(true);
    expect(master.events.flatMap((e) => e.body.events.map((x) => x.message))).toEqual(['a', 'b']);
    expect(master.completions).toHaveLength(1);
    // One line when the master went away, one when it came back.
    expect(log.count('master unavailable')).toBe(2);
    expect(log.count('reconnected')).toBe(2);
  });

  it('gives up a report older than ExecutionLogRetryTimeout', async () => {
    const master = new FakeMaster();
    master.down = true;
    const clock = new FakeClock();
    const { spool, log } = openSpool(master, clock);
    await spool.open();
    await spool.submit(complete(1));
    master.down = false;
    await clock.advance(8 * 86_400_000);
    expect(await spool.deliverPending()).toBe(true);
    expect(master.completions).toEqual([]);
    expect(log.count('undelivered for longer than ExecutionLogRetryTimeout')).toBe(1);
  });
});

describe('event shipping', () => {
  it('numbers an attempt’s events 1, 2, 3…, batches them, and masks sensitive values', async () => {
    const master = new FakeMaster();
    const { spool, clock, log } = openSpool(master);
    await spool.open();
    const shipper = new EventShipper({ taskId: 5, attemptNumber: 2 }, spool, clock, log, { flushIntervalMs: 1000, secrets: ['s3cr3t-pw', 'ab'] });
    const start = clock.now();
    shipper.add('information', 'stdout', 'connecting with s3cr3t-pw');
    shipper.add('warning', 'stderr', 'slow: ab');
    await clock.advance(999);
    expect(master.events).toEqual([]);
    await clock.advance(1);
    await shipper.flush();
    shipper.add('progress', 'package', '50%');
    await shipper.flush();
    expect(master.events.map((e) => e.body.events.map((x) => [x.sequenceNumber, x.type, x.message]))).toEqual([
      [
        [1, 'information', 'connecting with ***'],
        [2, 'warning', 'slow: ab'],
      ],
      [[3, 'progress', '50%']],
    ]);
    expect(master.events.every((e) => e.taskId === 5 && e.body.attemptNumber === 2)).toBe(true);
    // Each line has the time it was printed.
    const times = [start, start, start + 1000].map((time) => new Date(time).toISOString());
    expect(master.events.flatMap((e) => e.body.events.map((x) => x.time))).toEqual(times);
  });

  it('cuts a message longer than the contract allows, after masking, and ships it with its neighbours', async () => {
    const master = new FakeMaster();
    const { spool, clock, log } = openSpool(master);
    await spool.open();
    const shipper = new EventShipper({ taskId: 5, attemptNumber: 1 }, spool, clock, log, { secrets: ['s3cr3t-pw'] });
    const long = `s3cr3t-pw ${'x'.repeat(maxEventMessageLength)}`;
    shipper.add('information', 'package', 'before');
    shipper.add('information', 'package', long);
    shipper.add('information', 'package', 'after');
    await shipper.flush();
    const messages = master.events.flatMap((e) => e.body.events.map((x) => x.message));
    expect(messages).toHaveLength(3);
    expect(messages[1]).toHaveLength(maxEventMessageLength);
    expect(messages[1]).toMatch(new RegExp(`^\\*\\*\\* x+… \\[cut: the line had ${long.length - 6} characters\\]$`));
    // What is sent is what the master accepts.
    expect(postEvents.body.safeParse(master.events[0]!.body).success).toBe(true);
  });

  it('asks the package to wait once it holds 8,000 lines the master has not taken, and lets it go on at half that', async () => {
    const master = new FakeMaster();
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const post = master.postEvents.bind(master);
    master.postEvents = async (taskId, body) => {
      await slow;
      return post(taskId, body);
    };
    const { spool, clock, log } = openSpool(master);
    const shipper = new EventShipper({ taskId: 5, attemptNumber: 1 }, spool, clock, log);
    for (let i = 0; i < 7_999; i++) shipper.add('information', 'stdout', `line ${i + 1}`);
    expect(shipper.whenReady()).toBeUndefined();
    shipper.add('information', 'stdout', 'line 8000');
    const ready = shipper.whenReady();
    expect(ready).toBeInstanceOf(Promise);
    let resumed = false;
    void ready!.then(() => (resumed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resumed).toBe(false);
    release();
    await shipper.flush();
    expect(resumed).toBe(true);
    expect(shipper.whenReady()).toBeUndefined();
    expect(master.events.flatMap((e) => e.body.events.map((x) => x.sequenceNumber))).toHaveLength(8_000);
  });
});
