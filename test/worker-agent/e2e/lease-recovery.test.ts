import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableScaleOut, getExecution, getWorker, removeWorker } from '../../../contracts/management/endpoints.js';
import type { ExecutionView } from '../../../contracts/management/views.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { isRunning } from '../support/processes.js';
import { AgentProcess } from './support/agents.js';
import { deployE2eProject, executionEvents, startExecution, waitForEnd, waitForEvents, waitForExecution } from './support/executions.js';
import { ProcessMarker, tearDownAndCheck, watchWarnings } from './support/processes.js';
import { e2eTestTimeoutMs, waitFor } from './support/wait.js';

/**
 * An agent dies (`kill -9`) or freezes in the middle of a task: the master notices when its lease runs out, the
 * task is leased again to another agent (retry count 1), and the execution's outcome is that attempt's — recorded
 * once, whatever the first agent's package or the first agent itself does afterwards.
 */

const leaseMs = 4000;
/**
 * How late the lease alarm may run after the lease ends: its delay is whole seconds, and the queue runner looks at
 * an empty queue at least every host.json `maxPollingInterval` (2 s).
 */
const alarmLagMs = 3000;
/**
 * Beyond lease + alarm lag: the survivor's claim may be between two polls, and this machine is shared. Generous, yet
 * far below what would mean "not detected by the lease alarm" (the next bound up is the 150 s offline threshold).
 */
const marginMs = 8000;

let root: string;
let master: TestMaster;
let agents: AgentProcess[];
const marker = new ProcessMarker();
const masterWarnings = watchWarnings();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-e2e-lease-'));
  master = await startTestMaster({
    env: { SCALEOUT_LEASE_MS: String(leaseMs) },
  });
  await master.admin(enableScaleOut, {});
  await deployE2eProject(master.admin);
  const endpoint = { url: master.url, thumbprint: master.host.certificateThumbprint };
  // One slot each: an agent running a task holds no claim open. (A frozen agent with a free slot would hold one, and
  // the master could hand it the very retry of the task it lost; frozen, it would never start it.)
  const oneSlot = { maxTaskCount: 1 };
  agents = [await AgentProcess.init(root, 'lease-a', endpoint, marker, oneSlot), await AgentProcess.init(root, 'lease-b', endpoint, marker, oneSlot)];
  for (const agent of agents) {
    await agent.register(master.admin);
    agent.start();
  }
  // Both are online before any task is started, so either may take it.
  for (const agent of agents) await agent.waitForOutput(/starting: master/);
});

afterAll(async () => {
  await tearDownAndCheck({ agents: agents ?? [], services: [master], marker, root, inProcess: masterWarnings });
}, 180_000);

/** The `once` package's side effects: who started, who completed. */
function sideEffects(out: string): { starts: string[]; completions: string[] } {
  const lines = (file: string): string[] => (existsSync(join(out, file)) ? readFileSync(join(out, file), 'utf8').trim().split('\n') : []);
  return { starts: lines('starts.log'), completions: lines('side-effect.log') };
}

/** Starts a `once` execution (retry count 1) and returns it with the agent that runs its first attempt. */
async function firstAttemptRunning(out: string): Promise<{ created: ExecutionView; holder: AgentProcess; other: AgentProcess; packagePid: number }> {
  const created = await startExecution(master.admin, 'once', { OutDir: out }, { retryCount: 1 });
  const started = await waitFor('attempt 1 to start', () => sideEffects(out).starts.find((line) => line.startsWith('started attempt=1 ')));
  const packagePid = Number(/pid=(\d+)/.exec(started)?.[1]);
  const running = await master.admin(getExecution, { params: { executionId: created.executionId } });
  const holder = agents.find((agent) => agent.workerAgentId === running.attempts[0]?.workerAgentId);
  const other = agents.find((agent) => agent !== holder);
  if (!holder || !other) throw new Error(`no agent holds attempt 1: ${JSON.stringify(running.attempts)}`);
  return { created, holder, other, packagePid };
}

/** Waits until attempt 2 runs, and returns how long after `since` the master leased it. */
async function secondAttemptLeased(executionId: number, since: number): Promise<{ execution: ExecutionView; reLeaseMs: number }> {
  const execution = await waitForExecution(master.admin, executionId, 'to lease attempt 2', (e) => e.attempts[1]?.state === 'running', 60_000);
  return { execution, reLeaseMs: Date.parse(execution.attempts[1]!.claimedTime!) - since };
}

describe('an agent that dies in the middle of a task', { timeout: e2eTestTimeoutMs }, () => {
  it('kill -9: the task is leased again to the other agent within lease + alarm lag, and succeeds there, recorded once', async () => {
    const out = join(root, 'out', 'kill-9');
    mkdirSync(out, { recursive: true });
    const { created, holder, other, packagePid } = await firstAttemptRunning(out);

    const killedAt = Date.now();
    await holder.kill9();
    const { execution, reLeaseMs } = await secondAttemptLeased(created.executionId, killedAt);
    console.log(`kill -9: attempt 2 leased ${reLeaseMs} ms after the agent died (lease ${leaseMs} ms, alarm lag up to ${alarmLagMs} ms)`);
    expect(reLeaseMs).toBeLessThanOrEqual(leaseMs + alarmLagMs + marginMs);
    expect(execution.attempts).toMatchObject([
      { attemptNumber: 1, state: 'lost', workerAgentId: holder.workerAgentId },
      { attemptNumber: 2, state: 'running', workerAgentId: other.workerAgentId },
    ]);
    expect(execution.attempts[0]!.resultMessage).toMatch(new RegExp(`^lease expired: no heartbeat from worker ${holder.workerAgentId} for \\d+ s$`));
    // The master gave up on the dead agent: it is offline in the worker list now, not after SCALEOUT_WORKER_OFFLINE_AFTER_MS.
    const status = async (agent: AgentProcess) => (await master.admin(getWorker, { params: { workerAgentId: agent.workerAgentId } })).status;
    expect([await status(holder), await status(other)]).toEqual(['offline', 'online']);
    expect(master.logs.filter((line) => line.includes('worker lost') && line.includes(holder.workerAgentId))).toHaveLength(1);
    // The dead agent's package is an orphan now: nobody stops it but the agent's next start.
    expect(isRunning(packagePid)).toBe(true);
    await waitFor('attempt 2 to start', () => sideEffects(out).starts.some((line) => line.startsWith('started attempt=2 ')));

    // The agent starts again: it kills what its previous run left behind before it claims anything.
    holder.start();
    await holder.waitForOutput(new RegExp(`killing the package left running by a previous agent in .*${created.attempts[0]!.taskId}\\.1 \\(pid ${packagePid}\\)`));
    await waitFor('the orphaned package to be gone', () => !isRunning(packagePid));
    await waitFor('the restarted agent to be shown online', async () => (await status(holder)) === 'online');

    writeFileSync(join(out, 'go'), '');
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 7, statusName: 'succeeded', statusMessage: 'once succeeded', workerAgentId: other.workerAgentId });
    expect(ended.attempts).toMatchObject([
      { attemptNumber: 1, state: 'lost' },
      { attemptNumber: 2, state: 'succeeded', exitCode: 0, workerAgentId: other.workerAgentId },
    ]);
    expect(sideEffects(out)).toEqual({
      starts: [`started attempt=1 pid=${packagePid}`, expect.stringMatching(/^started attempt=2 pid=\d+$/)],
      completions: ['completed attempt=2'],
    });
    const events = await executionEvents(master.admin, created.executionId);
    expect(events.filter((e) => e.message === 'attempt 2 completed')).toHaveLength(1);
  });

  it('SIGTERM mid-task: the agent drains; a package that outlives DrainTimeout is given back and runs again on the other agent', async () => {
    const out = join(root, 'out', 'drain');
    mkdirSync(out, { recursive: true });
    const { created, holder, other, packagePid } = await firstAttemptRunning(out);

    expect(await holder.terminate()).toBe(0);
    expect(holder.output()).toMatch(/draining: no new tasks; 1 running task\(s\) may finish within 5 s/);
    expect(holder.output()).toMatch(/DrainTimeout passed: canceling 1 task\(s\) and giving them back to the master/);
    expect(isRunning(packagePid)).toBe(false);
    // Given back, not lost to a lease: the retry is leased at once.
    const running = await waitForExecution(master.admin, created.executionId, 'to run attempt 2', (e) => e.attempts[1]?.state === 'running');
    expect(running.attempts).toMatchObject([
      {
        attemptNumber: 1,
        state: 'lost',
        workerAgentId: holder.workerAgentId,
        resultMessage: 'the worker shut down: DrainTimeout passed while the worker was stopping',
      },
      { attemptNumber: 2, state: 'running', workerAgentId: other.workerAgentId },
    ]);
    holder.start();

    writeFileSync(join(out, 'go'), '');
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 7, workerAgentId: other.workerAgentId });
    expect(sideEffects(out).completions).toEqual(['completed attempt=2']);
  });

  it('removed by an administrator mid-task: the task runs again on the other agent at once, and the removed agent kills its package within a lease', async () => {
    const out = join(root, 'out', 'removed');
    mkdirSync(out, { recursive: true });
    const { created, holder, other, packagePid } = await firstAttemptRunning(out);

    const removedAt = Date.now();
    await master.admin(removeWorker, { params: { workerAgentId: holder.workerAgentId } });
    const running = await waitForExecution(master.admin, created.executionId, 'to run attempt 2', (e) => e.attempts[1]?.state === 'running');
    expect(running.attempts).toMatchObject([
      { attemptNumber: 1, state: 'lost', resultMessage: `worker agent ${holder.workerAgentId} was removed` },
      { attemptNumber: 2, state: 'running', workerAgentId: other.workerAgentId },
    ]);
    // The master refuses the removed worker's heartbeats (401): its lease is gone, so its package must go too,
    // not run on beside the retry until HeartbeatErrorTolerance (10 minutes).
    await waitFor('the removed agent to kill its package', () => !isRunning(packagePid), { timeoutMs: 60_000 });
    const killedAfterMs = Date.now() - removedAt;
    console.log(`removed: the package was killed ${killedAfterMs} ms after the worker was removed (lease ${leaseMs} ms)`);
    expect(killedAfterMs).toBeLessThanOrEqual(leaseMs + marginMs);
    // The agent logs this line before it kills the package, but this process may read the pipe after it sees the
    // package gone: wait for the line rather than read the output once.
    await holder.waitForOutput(
      /the master refused this worker \(HTTP 401\): no worker agent is registered with this certificate .*; its leases have run out: killing 1 task\(s\)/,
    );

    writeFileSync(join(out, 'go'), '');
    expect(await waitForEnd(master.admin, created.executionId)).toMatchObject({ status: 7, workerAgentId: other.workerAgentId });
    expect(sideEffects(out).completions).toEqual(['completed attempt=2']);
    // Added again, the same agent works again.
    await holder.stop();
    await holder.register(master.admin);
    holder.start();
  });

  it('frozen past its lease (a partition) and back while its package runs: the package is killed, its lines kept, no completion counted', async () => {
    const out = join(root, 'out', 'frozen-running');
    mkdirSync(out, { recursive: true });
    const { created, holder, other, packagePid } = await firstAttemptRunning(out);
    const waited = (attempt: number): number => Number(existsSync(join(out, `waiting-${attempt}`)) ? readFileSync(join(out, `waiting-${attempt}`), 'utf8') : 0);

    holder.freeze();
    const waitedBeforeFreeze = waited(1);
    try {
      await secondAttemptLeased(created.executionId, Date.now());
      await waitFor('attempt 2 to start', () => sideEffects(out).starts.some((line) => line.startsWith('started attempt=2 ')));
      // The package runs on while its agent is frozen, logging into the pipe.
      await waitFor('attempt 1 to log five lines with its agent frozen', () => waited(1) >= waitedBeforeFreeze + 5);
    } finally {
      holder.thaw();
    }
    const taskId = created.attempts[0]!.taskId;
    await holder.waitForOutput(new RegExp(`task ${taskId}\\.1: the master says this worker no longer holds the lease; killing it`));
    await waitFor('the first package to be killed', () => !isRunning(packagePid));
    const waitedInAll = waited(1);

    writeFileSync(join(out, 'go'), '');
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 7, statusMessage: 'once succeeded', workerAgentId: other.workerAgentId });
    expect(ended.attempts).toMatchObject([
      { attemptNumber: 1, state: 'lost', workerAgentId: holder.workerAgentId },
      { attemptNumber: 2, state: 'succeeded', workerAgentId: other.workerAgentId },
    ]);
    expect(sideEffects(out).completions).toEqual(['completed attempt=2']);
    // Every line the first package logged, those written while its agent was frozen included, is in the log.
    const events = await waitForEvents(master.admin, created.executionId, "attempt 1's last lines", (stored) =>
      stored.some((e) => e.taskId === taskId && e.message.startsWith('the lease was lost')),
    );
    const firstAttempt = events.filter((e) => e.taskId === taskId).map((e) => e.message);
    expect(firstAttempt.filter((m) => m.startsWith('attempt 1 waiting'))).toEqual(
      Array.from({ length: waitedInAll }, (_, i) => `attempt 1 waiting (${i + 1})`),
    );
    expect(firstAttempt.at(-1)).toBe(
      'the lease was lost (it ran out, or the master gave the task to another worker): the package was killed; this attempt reports no completion',
    );
  });

  it('frozen past its lease while its package ends: back, it reports no completion that counts, and the retry stands', async () => {
    const out = join(root, 'out', 'frozen');
    mkdirSync(out, { recursive: true });
    const { created, holder, other, packagePid } = await firstAttemptRunning(out);

    const frozenAt = Date.now();
    holder.freeze();
    try {
      const { reLeaseMs } = await secondAttemptLeased(created.executionId, frozenAt);
      console.log(`SIGSTOP: attempt 2 leased ${reLeaseMs} ms after the agent froze`);
      expect(reLeaseMs).toBeLessThanOrEqual(leaseMs + alarmLagMs + marginMs);
      await waitFor('attempt 2 to start', () => sideEffects(out).starts.some((line) => line.startsWith('started attempt=2 ')));

      // Both packages finish — the frozen agent's too: it runs on, only its agent is stopped.
      writeFileSync(join(out, 'go'), '');
      await waitFor('both packages to finish', () => sideEffects(out).completions.length === 2 && !isRunning(packagePid));
      const ended = await waitForEnd(master.admin, created.executionId);
      expect(ended).toMatchObject({ status: 7, statusMessage: 'once succeeded', workerAgentId: other.workerAgentId });
    } finally {
      holder.thaw();
    }

    // Back, the agent learns it lost the lease (heartbeat) or has its completion refused (409): either way it
    // reports nothing that counts.
    const fenced = new RegExp(
      `task ${created.attempts[0]!.taskId}\\.1: the master says this worker no longer holds the lease|` +
        `dropped the succeeded report of task ${created.attempts[0]!.taskId} attempt 1: the attempt is stale`,
    );
    await holder.waitForOutput(fenced);
    console.log(`SIGCONT: the agent says "${fenced.exec(holder.output())?.[0]}"`);
    const after = await master.admin(getExecution, { params: { executionId: created.executionId } });
    expect(after).toMatchObject({ status: 7, statusMessage: 'once succeeded', workerAgentId: other.workerAgentId });
    expect(after.attempts).toMatchObject([
      { attemptNumber: 1, state: 'lost', workerAgentId: holder.workerAgentId },
      { attemptNumber: 2, state: 'succeeded', workerAgentId: other.workerAgentId },
    ]);
    expect(sideEffects(out).completions.filter((line) => line === 'completed attempt=2')).toHaveLength(1);
    // What the first package did while its agent was frozen is in the log all the same.
    await waitForEvents(master.admin, created.executionId, "attempt 1's last line", (stored) =>
      stored.some((e) => e.taskId === created.attempts[0]!.taskId && e.message === 'attempt 1 completed'),
    );
  });
});
