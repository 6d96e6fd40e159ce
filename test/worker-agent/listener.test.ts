import { afterEach, describe, expect, it } from 'vitest';
import { Backoff } from '../../worker-agent/backoff.js';
import { agentHarness } from './support/agent-harness.js';
import { eventually, settle } from './support/fake-clock.js';
import { claimedTask } from './support/fake-master.js';

type Harness = Awaited<ReturnType<typeof agentHarness>>;
let h: Harness;
afterEach(async () => h?.dispose());

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - (times[i] ?? 0));

describe('jittered backoff', () => {
  it('draws each wait between half the step and the step, doubling up to the cap', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 8000, random: () => 0 });
    const high = new Backoff({ initialMs: 1000, maxMs: 8000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });
});

describe('the listener', () => {
  it('asks again at once while work keeps coming, asking with the wait budget', async () => {
    h = await agentHarness();
    h.master.maxPerClaim = 1;
    h.master.queue.push(claimedTask(), claimedTask(), claimedTask());
    h.start();
    await settle();
    // Three claims that each brought a task, then one that found nothing: all at the same instant.
    expect(h.master.claims.map((c) => c.at)).toEqual([0, 0, 0, 0].map(() => h.clock.now()));
    expect(h.master.claims.map((c) => c.freeSlots)).toEqual([10, 9, 8, 7]);
    expect(h.master.claims.every((c) => c.waitMs === 20_000)).toBe(true);
  });

  it('backs off with jitter while there is no work, and comes back at once when work appears', async () => {
    h = await agentHarness();
    h.start();
    await h.clock.advance(120_000);
    const idle = gaps(h.master.claims.map((c) => c.at));
    // Middle-of-range jitter: 750, 1500, 3000, … up to 22500 (= 3/4 of the 30 s cap).
    expect(idle.slice(0, 6)).toEqual([750, 1500, 3000, 6000, 12_000, 22_500]);
    expect(Math.max(...idle)).toBe(22_500);
    const before = h.master.claims.length;
    h.master.queue.push(claimedTask());
    await h.clock.advance(30_000);
    expect(h.executor.runs).toHaveLength(1);
    // The claim that brought the task is followed at once by another; the backoff starts again from its first step.
    expect(gaps(h.master.claims.slice(before).map((c) => c.at)).slice(0, 3)).toEqual([0, 750, 1500]);
  });

  it('with a doorbell, waits for it to ring instead of asking the master, and claims as soon as it rings', async () => {
    h = await agentHarness({ doorbell: true });
    h.start();
    await h.clock.advance(60_000);
    // The first claims went out before the first heartbeat answer brought the ticket; then only the bell is read.
    const claimsWhileIdle = h.master.claims.length;
    expect(claimsWhileIdle).toBeLessThanOrEqual(2);
    expect(h.bell.reads).toBeGreaterThanOrEqual(45);
    await h.clock.advance(60_000);
    expect(h.master.claims.length).toBe(claimsWhileIdle);

    h.master.queue.push(claimedTask());
    h.bell.rings = 1;
    const rangAt = h.clock.now();
    await h.clock.advance(1200);
    // Within one DoorbellPollInterval: the claim that brings the task, then one more (work may keep coming).
    expect(h.master.claims.length).toBe(claimsWhileIdle + 2);
    expect(h.master.claims[claimsWhileIdle]!.at - rangAt).toBeLessThanOrEqual(1200);
    await eventually(() => h.executor.runs.length === 1, 'the task the ring announced to run');
  });

  it('polls the master with backoff when its doorbell cannot be read, saying so once, and listens again once it can', async () => {
    h = await agentHarness({ doorbell: true });
    h.bell.failing = true;
    h.start();
    await h.clock.advance(120_000);
    const idle = gaps(h.master.claims.map((c) => c.at));
    expect(idle.slice(0, 4)).toEqual([750, 1500, 3000, 6000]);
    expect(h.log.lines.filter((l) => l.includes('the doorbell cannot be read'))).toHaveLength(1);
    h.bell.failing = false;
    await h.clock.advance(60_000);
    expect(h.log.lines.filter((l) => l.includes('the doorbell can be read again'))).toHaveLength(1);
    const claims = h.master.claims.length;
    await h.clock.advance(120_000);
    expect(h.master.claims.length).toBe(claims);
  });

  it('says once that the master is unreachable and once that it is back, backing off meanwhile', async () => {
    h = await agentHarness();
    h.master.down = true;
    h.start();
    await h.clock.advance(180_000);
    const failures = h.log.lines.filter((l) => l.includes('master unavailable'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('connect ECONNREFUSED 127.0.0.1:8391; retrying with backoff');
    h.master.down = false;
    await h.clock.advance(60_000);
    expect(h.log.count('reconnected to the master')).toBe(1);
    expect(h.log.count('master unavailable')).toBe(1);
    expect(h.master.claims.length).toBeGreaterThan(0);
  });

  it('waits longer and longer between claims while the master fails', async () => {
    h = await agentHarness();
    const attempts: number[] = [];
    h.master.claimTasks = async () => {
      attempts.push(h.clock.now());
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    h.start();
    await h.clock.advance(300_000);
    expect(gaps(attempts).slice(0, 6)).toEqual([1500, 3000, 6000, 12_000, 24_000, 45_000]);
  });

  it('sends a claim whose answer was lost again under the same claim id, and each new claim under a new one', async () => {
    h = await agentHarness();
    h.master.queue.push(claimedTask());
    const sent: (string | undefined)[] = [];
    const answer = h.master.claimTasks.bind(h.master);
    h.master.claimTasks = async (body) => {
      sent.push(body.claimId);
      // The first claim is leased on the master, but its answer never arrives.
      if (sent.length === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return answer(body);
    };
    h.start();
    await h.clock.advance(5_000);
    expect(h.executor.runs).toHaveLength(1);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[1]).toBe(sent[0]);
    expect(new Set(sent.slice(1)).size).toBe(sent.length - 1);
  });

  it('does not ask for tasks while the CPU is above TaskRequestMaxCPU or memory below TaskRequestMinMemory', async () => {
    h = await agentHarness();
    h.resources.cpuPercent = 85;
    h.master.queue.push(claimedTask());
    h.start();
    await h.clock.advance(60_000);
    expect(h.master.claims).toEqual([]);
    expect(h.log.count('not asking for tasks: CPU at 85% (TaskRequestMaxCPU 70%)')).toBe(1);
    h.resources.cpuPercent = 20;
    h.resources.freeMemoryMb = 50;
    await h.clock.advance(60_000);
    expect(h.master.claims).toEqual([]);
    h.resources.freeMemoryMb = 2048;
    await h.clock.advance(30_000);
    expect(h.master.claims.length).toBeGreaterThan(0);
    expect(h.executor.runs).toHaveLength(1);
    expect(h.log.count('asking for tasks again')).toBe(1);
  });

  it('holds back for no CPU load when TaskRequestMaxCPU is 100, even on a saturated machine', async () => {
    h = await agentHarness({ maxCpuPercent: 100 });
    h.resources.cpuPercent = 100;
    h.master.queue.push(claimedTask());
    h.start();
    await h.clock.advance(1000);
    expect(h.master.claims.length).toBeGreaterThan(0);
    expect(h.executor.runs).toHaveLength(1);
    expect(h.log.count('not asking for tasks')).toBe(0);
  });

  it('does not ask for tasks while an administrator has disabled the worker', async () => {
    h = await agentHarness();
    h.master.heartbeatHandler = (request) => h.master.renewAll(request, { workerEnabled: false });
    h.start();
    await settle();
    const claims = h.master.claims.length;
    await h.clock.advance(300_000);
    expect(h.master.claims.length).toBe(claims);
    expect(h.log.count('the master has disabled this worker')).toBe(1);
    h.master.heartbeatHandler = (request) => h.master.renewAll(request);
    const enabledAt = h.clock.now();
    await h.clock.advance(120_000);
    expect(h.master.claims.length).toBeGreaterThan(claims);
    // The first heartbeat that says so (AgentHeartbeatInterval, 60 s here) lets the worker claim at once.
    const heard = h.master.heartbeatTimes.find((at) => at > enabledAt)!;
    expect(h.master.claims[claims]?.at).toBe(heard);
    expect(h.log.count('the master has enabled this worker again')).toBe(1);
  });

  it('delivers reports cached by a previous run before claiming anything', async () => {
    h = await agentHarness();
    h.master.down = true;
    await h.spool.submit({ kind: 'complete', taskId: 77, attemptNumber: 2, outcome: 'abandoned', exitCode: null, message: 'stopped' });
    h.master.down = false;
    const order: string[] = [];
    const complete = h.master.completeTask.bind(h.master);
    h.master.completeTask = (taskId, body) => {
      order.push('complete');
      return complete(taskId, body);
    };
    const claim = h.master.claimTasks.bind(h.master);
    h.master.claimTasks = (body) => {
      order.push('claim');
      return claim(body);
    };
    h.start();
    await eventually(() => order.includes('claim'), 'a claim');
    expect(order[0]).toBe('complete');
    expect(h.master.completions[0]).toMatchObject({ taskId: 77, body: { outcome: 'abandoned' } });
  });
});

describe('stopping the worker', () => {
  it('drains: no new claims, running packages finish and are reported, then the agent stops', async () => {
    h = await agentHarness();
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    h.master.queue.push(claimedTask());
    h.agent.stop();
    const claims = h.master.claims.length;
    await h.clock.advance(60_000);
    expect(h.master.claims.length).toBe(claims);
    expect(h.executor.runs).toHaveLength(1);
    h.executor.runOf(task.taskId).exit(0);
    await h.finished;
    expect(h.master.completions.map((c) => c.body.outcome)).toEqual(['succeeded']);
    expect(h.log.count('stopped')).toBe(1);
  });

  it('cancels what is still running when DrainTimeout passes, and gives it back to the master as abandoned', async () => {
    h = await agentHarness({ drainTimeoutMs: 120_000 });
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    h.agent.stop();
    await h.clock.advance(119_000);
    expect(h.executor.runOf(task.taskId).abort).toBeUndefined();
    await h.clock.advance(1_000);
    expect(h.executor.runOf(task.taskId).abort).toMatchObject({ reason: 'shutdown', immediate: false });
    await h.finished;
    expect(h.master.completions[0]?.body).toMatchObject({ outcome: 'abandoned' });
  });

  it('stops at once on a second signal: packages killed, reports kept on disk for the next start', async () => {
    h = await agentHarness();
    const task = claimedTask();
    h.master.queue.push(task);
    h.start();
    await settle();
    h.agent.stop();
    h.agent.stop({ force: true });
    expect(h.executor.runOf(task.taskId).abort).toMatchObject({ reason: 'shutdown', immediate: true });
    await h.finished;
    expect(h.master.completions).toEqual([]);
    expect(h.spool.pendingCount).toBeGreaterThan(0);
    expect(h.log.count('wait in ExecutionLogCacheFolder for the next start')).toBe(1);
  });
});
