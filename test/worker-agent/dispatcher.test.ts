import { afterEach, describe, expect, it } from 'vitest';
import type { HeartbeatRequest, HeartbeatResponse } from '../../worker-agent/master/master-client.js';
import { agentHarness } from './support/agent-harness.js';
import { eventually, settle } from './support/fake-clock.js';
import { claimedTask, connectionRefused, refused } from './support/fake-master.js';

type Harness = Awaited<ReturnType<typeof agentHarness>>;
let h: Harness;

const intervals = (times: number[]): number[] => times.slice(1).map((t, i) => t - (times[i] ?? 0));
afterEach(async () => h?.dispose());

/** Holds every heartbeat that carries tasks until the test answers it. */
function holdTaskHeartbeats(harness: Harness): { answer(make: (request: HeartbeatRequest) => HeartbeatResponse): void; held: number } {
  const waiting: { request: HeartbeatRequest; resolve: (answer: HeartbeatResponse) => void }[] = [];
  harness.master.heartbeatHandler = (request) =>
    request.tasks.length === 0 ? harness.master.renewAll(request) : new Promise((resolve) => waiting.push({ request, resolve }));
  return {
    answer: (make) => {
      for (const w of waiting.splice(0)) w.resolve(make(w.request));
    },
    get held() {
      return waiting.length;
    },
  };
}

describe('the dispatcher', () => {
  it('starts a claimed task only once a heartbeat has confirmed its lease', async () => {
    h = await agentHarness();
    const heartbeats = holdTaskHeartbeats(h);
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    expect(h.master.queue).toEqual([]);
    expect(heartbeats.held).toBe(1);
    // Claimed, heartbeat sent at once, not answered yet: the package must not run.
    expect(h.executor.runs).toEqual([]);
    heartbeats.answer((request) => h.master.renewAll(request));
    await settle();
    expect(h.executor.runs.map((r) => r.task.taskId)).toEqual([task.taskId]);
  });

  it('never starts a task whose lease the first heartbeat reports lost, and reports nothing about it', async () => {
    h = await agentHarness();
    const heartbeats = holdTaskHeartbeats(h);
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    heartbeats.answer((request) => h.master.renewAll(request, { renewed: [], lost: request.tasks }));
    await h.clock.advance(30_000);
    expect(h.executor.runs).toEqual([]);
    expect(h.master.completions).toEqual([]);
    expect(h.master.events).toEqual([]);
  });

  it('kills a running package at once when its lease is lost, ships what it logged, and reports no completion', async () => {
    h = await agentHarness();
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    const run = h.executor.runOf(task.taskId);
    run.context.output.line('stdout', 'row 1 loaded');
    await h.clock.advance(9_900);
    // Shipped while the lease was held.
    expect(h.master.eventsOf(task).map((e) => e.message)).toEqual(['started: node main.mjs', 'row 1 loaded']);
    run.context.output.line('stdout', 'row 2 loaded');
    h.master.heartbeatHandler = (request) => h.master.renewAll(request, { renewed: [], lost: request.tasks });
    await h.clock.advance(100);
    expect(run.abort).toMatchObject({ reason: 'lease-lost', immediate: true });
    await h.clock.advance(60_000);
    // What the package logged until it was killed is its log still; a completion would be refused.
    expect(h.master.eventsOf(task).map((e) => e.message)).toEqual([
      'started: node main.mjs',
      'row 1 loaded',
      'row 2 loaded',
      'the lease was lost (it ran out, or the master gave the task to another worker): the package was killed; this attempt reports no completion',
    ]);
    expect(h.master.completions).toEqual([]);
    expect(h.spool.pendingCount).toBe(0);
    // The attempt left the heartbeat: the worker no longer claims to hold it.
    expect(h.master.heartbeats.at(-1)?.tasks).toEqual([]);
  });

  it('cancels a package the heartbeat says to cancel (SIGTERM first) and reports it canceled', async () => {
    h = await agentHarness();
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    const run = h.executor.runOf(task.taskId);
    h.master.heartbeatHandler = (request) => h.master.renewAll(request, { cancel: request.tasks });
    await h.clock.advance(10_000);
    expect(run.abort).toMatchObject({ reason: 'canceled', immediate: false });
    await eventually(() => h.master.completions.length === 1, 'the completion');
    expect(h.master.completions[0]).toMatchObject({ taskId: task.taskId, body: { attemptNumber: 1, outcome: 'canceled' } });
  });

  it('reports a task canceled before it started without running it', async () => {
    h = await agentHarness();
    h.master.heartbeatHandler = (request) => h.master.renewAll(request, { renewed: [], cancel: request.tasks });
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await eventually(() => h.master.completions.length === 1, 'the completion');
    expect(h.executor.runs).toEqual([]);
    expect(h.master.completions[0]?.body).toMatchObject({ outcome: 'canceled', message: 'canceled before it started' });
  });

  it('sends ONE heartbeat for all running tasks, every TaskHeartbeatInterval', async () => {
    h = await agentHarness();
    const tasks = [claimedTask(), claimedTask(), claimedTask()];
    h.master.queue.push(...tasks);
    h.start();
    await settle();
    expect(h.executor.running).toHaveLength(3);
    const before = h.master.heartbeats.length;
    await h.clock.advance(30_000);
    const beats = h.master.heartbeats.slice(before);
    expect(beats).toHaveLength(3);
    for (const beat of beats) expect(beat.tasks.map((t) => t.taskId).sort()).toEqual(tasks.map((t) => t.taskId).sort());
  });

  it('keeps renewing the lease of an ended attempt while its completion waits on disk, and stops once it is delivered', async () => {
    h = await agentHarness();
    const task = claimedTask();
    const ref = { taskId: task.taskId, attemptNumber: task.attemptNumber };
    h.master.queue.push(task);
    h.start();
    await settle();
    // The master takes heartbeats but not the completion (say its catalog refuses writes for a while).
    h.master.completeHandler = () => {
      throw connectionRefused();
    };
    h.executor.runOf(task.taskId).exit(0);
    await eventually(() => h.spool.pendingCompletions().length === 1, 'the completion to be kept on disk');
    expect(h.spool.pendingCompletions()).toEqual([ref]);
    await h.clock.advance(30_000);
    expect(h.master.heartbeats.at(-1)?.tasks).toEqual([ref]);
    h.master.completeHandler = () => ({ executionStatus: 7, executionStatusName: 'succeeded', alreadyRecorded: false });
    // Cached reports are retried every TaskHeartbeatInterval (reading them from disk takes real time).
    await eventually(async () => {
      await h.clock.advance(1000);
      return h.master.completions.length === 1 && h.spool.pendingCount === 0;
    }, 'the cached completion to be delivered');
    expect(h.master.completions).toMatchObject([{ taskId: task.taskId, body: { outcome: 'succeeded' } }]);
    expect(h.spool.pendingCompletions()).toEqual([]);
    expect(h.dispatcher.heldAttempts()).toEqual([]);
  });

  it('kills running packages once the master has refused the worker (401) for a lease: its leases are gone', async () => {
    h = await agentHarness();
    h.master.leaseMs = 30_000;
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    const run = h.executor.runOf(task.taskId);
    // An administrator removes the worker: the master answers 401 from now on.
    h.master.heartbeatHandler = () => {
      throw refused();
    };
    await h.clock.advance(20_000);
    expect(run.abort).toBeUndefined();
    await h.clock.advance(20_000);
    expect(run.abort).toMatchObject({ reason: 'lease-lost', immediate: true });
    expect(
      h.log.count(
        'the master refused this worker (HTTP 401): no worker agent is registered with this certificate (add it with `scaleout worker add`); its leases have run out: killing 1 task(s), reporting no completion',
      ),
    ).toBe(1);
    await h.clock.advance(60_000);
    expect(h.master.completions).toEqual([]);
  });

  it('rides out an unreachable master past the lease (it may be down and extend the leases), up to HeartbeatErrorTolerance', async () => {
    h = await agentHarness();
    h.master.leaseMs = 30_000;
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    h.master.heartbeatHandler = () => {
      throw connectionRefused();
    };
    await h.clock.advance(120_000);
    expect(h.executor.runOf(task.taskId).abort).toBeUndefined();
  });

  it("renews at least three times per lease when the master's lease is shorter than TaskHeartbeatInterval", async () => {
    h = await agentHarness();
    h.master.leaseMs = 4000;
    h.master.queue.push(claimedTask());
    h.start();
    await settle();
    expect(h.executor.running).toHaveLength(1);
    const before = h.master.heartbeats.length;
    await h.clock.advance(12_000);
    // TaskHeartbeatInterval is 10 s here; a 4 s lease is renewed every 1.33 s instead.
    expect(h.master.heartbeats.length - before).toBe(9);
    const gaps = h.clock.sleeps.filter((ms) => ms === 1333);
    expect(gaps.length).toBeGreaterThanOrEqual(9);
  });

  it('beats only as often as the master asks while idle with a doorbell (AgentHeartbeatInterval when it asks nothing or disables it)', async () => {
    h = await agentHarness({ doorbell: true });
    const ticket = { queueUrl: 'http://127.0.0.1:10001/devstoreaccount1/scaleout-bell-test?sig=x', validForMs: 3_600_000 };
    let enabled = true;
    h.master.heartbeatHandler = (request) =>
      h.master.renewAll(request, { doorbell: ticket, workerEnabled: enabled, ...(enabled ? { idleHeartbeatMs: 600_000 } : {}) });
    h.start();
    await settle();
    await h.clock.advance(30 * 60_000);
    // Idle: every 10 min as the master asks (AgentHeartbeatInterval is 60 s here).
    expect(intervals(h.master.heartbeatTimes)).toEqual([600_000, 600_000, 600_000]);
    // Disabled, it asks nothing: the worker beats every AgentHeartbeatInterval, so it hears soon when it is enabled again.
    enabled = false;
    await h.clock.advance(10 * 60_000);
    const disabledAt = h.master.heartbeatTimes.length;
    await h.clock.advance(5 * 60_000);
    expect(intervals(h.master.heartbeatTimes.slice(disabledAt - 1))).toEqual([60_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('runs at most MaxTaskCount packages and claims only for free slots', async () => {
    h = await agentHarness({ maxTaskCount: 2 });
    const tasks = Array.from({ length: 5 }, () => claimedTask());
    h.master.queue.push(...tasks);
    h.start();
    await settle();
    expect(h.master.claims.map((c) => c.freeSlots)).toEqual([2]);
    expect(h.executor.running).toHaveLength(2);
    await h.clock.advance(120_000);
    // Both slots busy: no claim at all, however long they run.
    expect(h.master.claims).toHaveLength(1);
    h.executor.runOf(tasks[0]?.taskId ?? 0).exit(0);
    await eventually(() => h.master.claims.length === 2, 'a claim for the freed slot');
    expect(h.master.claims[1]?.freeSlots).toBe(1);
    await settle();
    expect(h.executor.running).toHaveLength(2);
    expect(Math.max(...h.master.heartbeats.map((b) => b.tasks.length))).toBe(2);
  });

  it('fails a package that outlives its timeout, saying so', async () => {
    h = await agentHarness();
    const task = claimedTask({ timeoutMs: 5000 });
    h.master.queue.push(task);
    h.start();
    await settle();
    const run = h.executor.runOf(task.taskId);
    await h.clock.advance(4999);
    expect(run.abort).toBeUndefined();
    await h.clock.advance(1);
    expect(run.abort).toMatchObject({ reason: 'timeout', immediate: false });
    await eventually(() => h.master.completions.length === 1, 'the completion');
    expect(h.master.completions[0]?.body).toMatchObject({ outcome: 'failed', message: 'timed out after 5 s' });
  });

  it('reports success and failure with the exit code, after the attempt’s events', async () => {
    h = await agentHarness();
    const ok = claimedTask();
    const bad = claimedTask({ packageName: 'Load.dtsx' });
    h.master.queue.push(ok, bad);
    h.start();
    await settle();
    h.executor.runOf(ok.taskId).context.output.line('stdout', 'done');
    h.executor.runOf(ok.taskId).exit(0);
    h.executor.runOf(bad.taskId).context.output.line('stderr', 'disk full');
    h.executor.runOf(bad.taskId).exit(3);
    await eventually(() => h.master.completions.length === 2, 'both completions');
    const byTask = Object.fromEntries(h.master.completions.map((c) => [c.taskId, c.body]));
    expect(byTask[ok.taskId]).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(byTask[bad.taskId]).toMatchObject({ outcome: 'failed', exitCode: 3, message: 'Load.dtsx exited with code 3: disk full' });
    expect(h.master.eventsOf(ok).map((e) => [e.sequenceNumber, e.source, e.message])).toEqual([
      [1, 'worker', 'started: node main.mjs'],
      [2, 'stdout', 'done'],
    ]);
  });

  it('masks sensitive parameter values in event messages and in the completion message', async () => {
    h = await agentHarness();
    const task = claimedTask({ parameters: { Password: 'hunter2-secret', Server: 'db01' }, sensitiveParameterNames: ['Password'] });
    h.master.queue.push(task);
    h.start();
    await settle();
    const run = h.executor.runOf(task.taskId);
    run.context.output.line('stdout', 'connecting to db01');
    run.context.output.line('stderr', 'login failed with password hunter2-secret');
    run.exit(1);
    await eventually(() => h.master.completions.length === 1, 'the completion');
    const delivered = JSON.stringify([h.master.events, h.master.completions, h.log.lines]);
    expect(delivered).not.toContain('hunter2-secret');
    expect(h.master.completions[0]?.body.message).toBe('Daily.dtsx exited with code 1: login failed with password ***');
    expect(h.master.eventsOf(task).map((e) => e.message)).toContain('connecting to db01');
  });

  it('abandons running tasks when the master stays silent past HeartbeatErrorTolerance, and reports them once it is back', async () => {
    h = await agentHarness({ heartbeatErrorToleranceMs: 60_000 });
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    const run = h.executor.runOf(task.taskId);
    h.master.down = true;
    await h.clock.advance(50_000);
    expect(run.abort).toBeUndefined();
    await h.clock.advance(20_000);
    expect(run.abort).toMatchObject({ reason: 'master-unreachable' });
    await eventually(() => h.dispatcher.taskCount === 0, 'the attempt to end with its report kept on disk');
    expect(h.spool.pendingCount).toBeGreaterThan(0);
    expect(h.master.completions).toEqual([]);
    h.master.down = false;
    await h.clock.advance(70_000);
    await eventually(() => h.master.completions.length === 1, 'the abandoned report');
    expect(h.master.completions[0]?.body).toMatchObject({ outcome: 'abandoned' });
    expect(h.log.count('HeartbeatErrorTolerance')).toBe(1);
  });
});
