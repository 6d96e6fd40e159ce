import { expect } from 'vitest';
import { createCatalog } from '../../../functions/catalog/create-catalog.js';
import { ExecutionStatus, workerIsOnline, type ClaimedTask } from '../../../functions/catalog/domain.js';
import { ConflictError, IllegalStateError, StaleAttemptError } from '../../../functions/catalog/errors.js';
import { AesGcmValueCipher } from '../../../functions/catalog/value-cipher.js';
import { testDataKey } from '../../support/catalog-harness.js';
import { admin, claimOne, deployEtl, passTime, readyTopology, readyWorker, startExtract, sweepEvery5s, type Scenario } from './fixtures.js';

export const taskProtocolScenarios: Record<string, Scenario> = {
  'a task queued is heard as soon as a claim can take it, and never from a write that was rolled back': async (h) => {
    const { worker } = await readyTopology(h);
    // As the master does: what hears a task queued wakes a claim, which looks for it at once.
    const claims: Promise<ClaimedTask[]>[] = [];
    const catalog = createCatalog({
      engine: h.engine,
      clock: h.clock,
      cipher: new AesGcmValueCipher(testDataKey),
      leaseMs: h.leaseMs,
      taskQueued: () => {
        claims.push(Promise.resolve().then(() => catalog.claimTasks(worker.workerAgentId, 5)));
        return true;
      },
    });
    const started = await startExtract(catalog, { retryCount: 1 });
    expect(claims).toHaveLength(1);
    const [first] = await claims[0]!;
    expect(first).toMatchObject({ executionId: started.executionId, attemptNumber: 1 });
    await catalog.completeTask(worker.workerAgentId, { taskId: first!.taskId, attemptNumber: 1, outcome: 'failed', exitCode: 1 });
    expect(claims).toHaveLength(2);
    expect(await claims[1]).toMatchObject([{ executionId: started.executionId, attemptNumber: 2 }]);

    // A start its Idempotency-Key refuses had queued its task before the refusal rolled it back: nobody hears it.
    const guard = { actor: admin, operation: 'createExecution', key: 'k-1', requestHash: 'a'.repeat(64) };
    const extract = { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameters: { SourcePath: '/in' }, start: {} };
    await catalog.createExecution(extract, admin, guard);
    expect(await claims[2]).toHaveLength(1);
    await expect(catalog.createExecution(extract, admin, guard)).rejects.toThrow(ConflictError);
    expect(claims).toHaveLength(3);
    expect(await catalog.claimTasks(worker.workerAgentId, 5)).toEqual([]);
  },

  'nothing is claimed while Scale Out or the worker is disabled': async (h) => {
    await deployEtl(h.catalog);
    const worker = await h.catalog.addWorkerAgent({ machineName: 'w', certificate: { thumbprintSha1: 'a'.repeat(40) } }, admin);
    await startExtract(h.catalog);
    expect(await h.catalog.claimTasks(worker.workerAgentId, 5)).toEqual([]);
    await h.catalog.enableScaleOut(admin);
    expect(await h.catalog.claimTasks(worker.workerAgentId, 5)).toEqual([]);
    await h.catalog.enableWorkerAgent(worker.workerAgentId, admin);
    expect(await h.catalog.claimTasks(worker.workerAgentId, 5)).toHaveLength(1);
    expect(await h.catalog.claimTasks('unknown-worker', 5)).toEqual([]);
  },

  'a claim sent again under its claim id gets back the tasks it leased, leases renewed, and leases nothing new': async (h) => {
    const { worker } = await readyTopology(h);
    for (let i = 0; i < 3; i++) await startExtract(h.catalog);
    const first = await h.catalog.claimTasks(worker.workerAgentId, 2, 'claim-0001');
    expect(first).toHaveLength(2);
    h.clock.advance(5000);
    // The answer was lost; the worker asks again, with room for more.
    const again = await h.catalog.claimTasks(worker.workerAgentId, 5, 'claim-0001');
    expect(again).toEqual(first.map((task) => ({ ...task, leaseDeadline: h.clock.now() + h.leaseMs })));
    // The third task was left for the next claim, under a new id.
    const next = await h.catalog.claimTasks(worker.workerAgentId, 5, 'claim-0002');
    expect(next.map((task) => task.taskId)).not.toContain(first[0]!.taskId);
    expect(next).toHaveLength(1);
    // Only what the claim still holds comes back: a completed task does not.
    await h.catalog.completeTask(worker.workerAgentId, { taskId: first[0]!.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 });
    expect((await h.catalog.claimTasks(worker.workerAgentId, 5, 'claim-0001')).map((task) => task.taskId)).toEqual([first[1]!.taskId]);
    // Another worker's claim under the same id gets nothing of this worker's.
    const other = await readyWorker(h.catalog, 'node-b');
    expect(await h.catalog.claimTasks(other.workerAgentId, 5, 'claim-0001')).toEqual([]);
  },

  'a claim carries everything the worker needs, sensitive values decrypted for it alone': async (h) => {
    const { worker, project } = await readyTopology(h);
    const execution = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    expect(task).toEqual({
      taskId: expect.any(Number),
      attemptNumber: 1,
      executionId: execution.executionId,
      leaseDeadline: h.clock.now() + h.leaseMs,
      folderName: 'Finance',
      projectName: 'ETL',
      packageName: 'extract',
      projectVersionId: project.projectVersionId,
      archiveSha256: project.archiveSha256,
      archiveSize: project.archiveSize,
      runner: 'node',
      entry: 'extract.mjs',
      arguments: [],
      parameters: { SourcePath: '/data/in.csv', ApiToken: 's3cr3t-token', BatchSize: 100, DryRun: false },
      sensitiveParameterNames: ['ApiToken'],
      timeoutMs: 60_000,
    });
    const running = await h.catalog.getExecution(execution.executionId);
    expect(running).toMatchObject({ status: ExecutionStatus.running, startTime: h.clock.now(), workerAgentId: worker.workerAgentId });
    expect(running.parameters.find((p) => p.name === 'ApiToken')?.value).toBeNull();
  },

  'claims take the oldest first and never exceed MaxTaskCount': async (h) => {
    const { worker } = await readyTopology(h, { maxTaskCount: 2 });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await startExtract(h.catalog)).executionId);
    const claimed = await h.catalog.claimTasks(worker.workerAgentId, 10);
    expect(claimed.map((t) => t.executionId)).toEqual(ids.slice(0, 2));
    expect(await h.catalog.claimTasks(worker.workerAgentId, 10)).toEqual([]);
    expect((await h.catalog.getWorkerAgent(worker.workerAgentId)).runningTaskCount).toBe(2);
    const [done] = claimed;
    await h.catalog.completeTask(worker.workerAgentId, { taskId: done!.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 });
    expect((await h.catalog.claimTasks(worker.workerAgentId, 10)).map((t) => t.executionId)).toEqual([ids[2]]);
    const other = await readyWorker(h.catalog, 'node-b');
    expect((await h.catalog.claimTasks(other.workerAgentId, 1)).map((t) => t.executionId)).toEqual([ids[3]]);
  },

  'a retried task keeps its execution\'s place: it is claimed before the 50 tasks queued after its execution': async (h) => {
    const { worker } = await readyTopology(h, { maxTaskCount: 10 });
    const failing = await startExtract(h.catalog, { retryCount: 1 });
    h.clock.advance(1000);
    const leaseLost = await startExtract(h.catalog, { retryCount: 1 });
    const [first, second] = await h.catalog.claimTasks(worker.workerAgentId, 2);
    expect([first?.executionId, second?.executionId]).toEqual([failing.executionId, leaseLost.executionId]);
    const later = [];
    for (let i = 0; i < 50; i++) {
      h.clock.advance(10);
      later.push((await startExtract(h.catalog)).executionId);
    }
    await h.catalog.completeTask(worker.workerAgentId, { taskId: first!.taskId, attemptNumber: 1, outcome: 'failed', exitCode: 1 });
    // The worker stops heartbeating: the other lease expires and its attempt is re-queued too.
    expect((await passTime(h, h.leaseMs + 5000)).map((t) => t.executionId)).toEqual([leaseLost.executionId]);
    const retries = await h.catalog.claimTasks(worker.workerAgentId, 2);
    expect(retries.map((t) => [t.executionId, t.attemptNumber])).toEqual([
      [failing.executionId, 2],
      [leaseLost.executionId, 2],
    ]);
    expect((await h.catalog.claimTasks(worker.workerAgentId, 3)).map((t) => t.executionId)).toEqual(later.slice(0, 3));
  },

  'a worker whose lease ran out for silence is shown offline at once, and online again when it is heard from': async (h) => {
    const { worker } = await readyTopology(h);
    const offlineAfterMs = 10 * 60_000;
    const other = await readyWorker(h.catalog, 'node-b');
    for (const w of [worker, other]) await h.catalog.renewLeases(w.workerAgentId, []);
    await startExtract(h.catalog, { retryCount: 1 });
    await claimOne(h.catalog, worker.workerAgentId);
    const online = (w: { workerAgentId: string }) =>
      h.catalog.getWorkerAgent(w.workerAgentId).then((found) => workerIsOnline(found, h.clock.now(), offlineAfterMs));
    expect([await online(worker), await online(other)]).toEqual([true, true]);

    expect(await passTime(h, h.leaseMs + 5000)).toHaveLength(1);
    const lost = await h.catalog.getWorkerAgent(worker.workerAgentId);
    expect(lost.leaseExpiredTime).toBe(h.clock.now());
    // Heard from well within offlineAfterMs, yet given up on: offline. Its peer, silent as long, stays online.
    expect(h.clock.now() - lost.lastOnlineTime!).toBeLessThan(offlineAfterMs);
    expect([await online(worker), await online(other)]).toEqual([false, true]);

    h.clock.advance(1000);
    await h.catalog.renewLeases(worker.workerAgentId, []);
    expect(await online(worker)).toBe(true);
  },

  'an execution limited to some workers, or to tags, is claimed only by those': async (h) => {
    const { worker: a } = await readyTopology(h);
    const b = await readyWorker(h.catalog, 'node-b', { tags: ['SQL', 'linux'] });
    const forB = await startExtract(h.catalog, { allowedWorkerIds: [b.workerAgentId] });
    const needsSql = await startExtract(h.catalog, { requiredTags: ['sql'] });
    const needsGpu = await startExtract(h.catalog, { requiredTags: ['sql', 'gpu'] });
    expect(await h.catalog.claimTasks(a.workerAgentId, 10)).toEqual([]);
    expect((await h.catalog.claimTasks(b.workerAgentId, 10)).map((t) => t.executionId)).toEqual([
      forB.executionId,
      needsSql.executionId,
    ]);
    await h.catalog.setWorkerAgentProperty(a.workerAgentId, { tags: ['gpu', 'sql'] }, admin);
    expect((await h.catalog.claimTasks(a.workerAgentId, 10)).map((t) => t.executionId)).toEqual([needsGpu.executionId]);
  },

  'a heartbeat renews held leases, reports lost ones and cancellations, and marks the worker online': async (h) => {
    const { worker } = await readyTopology(h);
    const first = await startExtract(h.catalog);
    await startExtract(h.catalog);
    const [t1, t2] = await h.catalog.claimTasks(worker.workerAgentId, 2);
    h.clock.advance(5000);
    await h.catalog.stopOperation(first.executionId, admin);
    const beat = await h.catalog.renewLeases(worker.workerAgentId, [
      { taskId: t1!.taskId, attemptNumber: 1 },
      { taskId: t2!.taskId, attemptNumber: 1 },
      { taskId: t2!.taskId, attemptNumber: 7 },
      { taskId: 999_999, attemptNumber: 1 },
    ]);
    expect(beat).toEqual({
      leaseDeadline: h.clock.now() + h.leaseMs,
      renewed: [
        { taskId: t1!.taskId, attemptNumber: 1 },
        { taskId: t2!.taskId, attemptNumber: 1 },
      ],
      lost: [
        { taskId: t2!.taskId, attemptNumber: 7 },
        { taskId: 999_999, attemptNumber: 1 },
      ],
      cancel: [{ taskId: t1!.taskId, attemptNumber: 1 }],
      workerEnabled: true,
    });
    const tasks = (await h.catalog.getExecution(first.executionId)).attempts;
    expect(tasks[0]).toMatchObject({ leaseDeadline: h.clock.now() + h.leaseMs, lastHeartbeatTime: h.clock.now(), cancelRequested: true });
    expect((await h.catalog.getWorkerAgent(worker.workerAgentId)).lastOnlineTime).toBe(h.clock.now());
    await h.catalog.disableWorkerAgent(worker.workerAgentId, admin);
    const disabled = await h.catalog.renewLeases(worker.workerAgentId, [{ taskId: t2!.taskId, attemptNumber: 1 }]);
    expect(disabled).toMatchObject({ workerEnabled: false, renewed: [{ taskId: t2!.taskId, attemptNumber: 1 }] });
  },

  'a completion is recorded once; a repeat is recognised, a stale or foreign one refused without change': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    const other = await readyWorker(h.catalog, 'intruder');
    await expect(
      h.catalog.completeTask(other.workerAgentId, { taskId: task.taskId, attemptNumber: 1, outcome: 'failed', exitCode: 1 }),
    ).rejects.toThrow(/another worker holds this attempt/);
    await expect(
      h.catalog.completeTask(worker.workerAgentId, { taskId: task.taskId, attemptNumber: 2, outcome: 'failed', exitCode: 1 }),
    ).rejects.toThrow(StaleAttemptError);
    expect((await h.catalog.getExecution(execution.executionId)).status).toBe(ExecutionStatus.running);
    h.clock.advance(3000);
    const report = { taskId: task.taskId, attemptNumber: 1, outcome: 'succeeded' as const, exitCode: 0, message: 'loaded 42 rows' };
    expect(await h.catalog.completeTask(worker.workerAgentId, report)).toEqual({
      executionStatus: ExecutionStatus.succeeded,
      alreadyRecorded: false,
    });
    expect(await h.catalog.completeTask(worker.workerAgentId, report)).toEqual({
      executionStatus: ExecutionStatus.succeeded,
      alreadyRecorded: true,
    });
    await expect(h.catalog.completeTask(worker.workerAgentId, { ...report, outcome: 'failed', exitCode: 1 })).rejects.toThrow(
      /already ended as succeeded/,
    );
    expect(await h.catalog.getExecution(execution.executionId)).toMatchObject({
      status: ExecutionStatus.succeeded,
      endTime: h.clock.now(),
      statusMessage: 'loaded 42 rows',
    });
    expect((await h.catalog.getExecution(execution.executionId)).attempts.map((t) => [t.state, t.exitCode])).toEqual([['succeeded', 0]]);
  },

  'a failed attempt is retried while retries remain, then the execution fails': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog, { retryCount: 1 });
    const first = await claimOne(h.catalog, worker.workerAgentId);
    expect(
      await h.catalog.completeTask(worker.workerAgentId, { taskId: first.taskId, attemptNumber: 1, outcome: 'failed', exitCode: 1, message: 'source locked' }),
    ).toEqual({ executionStatus: ExecutionStatus.pending, alreadyRecorded: false, retryAttemptNumber: 2 });
    expect((await h.catalog.getExecution(execution.executionId)).statusMessage).toBe(
      'attempt 1 failed: source locked; retrying (attempt 2 of 2)',
    );
    const second = await claimOne(h.catalog, worker.workerAgentId);
    expect(second.attemptNumber).toBe(2);
    await h.catalog.completeTask(worker.workerAgentId, { taskId: second.taskId, attemptNumber: 2, outcome: 'failed', exitCode: 3, message: 'still locked' });
    expect(await h.catalog.getExecution(execution.executionId)).toMatchObject({
      status: ExecutionStatus.failed,
      statusMessage: 'still locked',
      attemptCount: 2,
    });
  },

  'an expired lease is re-queued to another worker; the first worker is then fenced off': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog, { retryCount: 1 });
    const first = await claimOne(h.catalog, worker.workerAgentId);
    expect(await passTime(h, h.leaseMs)).toEqual([]);
    h.clock.advance(1);
    expect((await h.catalog.expireLeases(sweepEvery5s)).released).toEqual([
      {
        taskId: first.taskId,
        attemptNumber: 1,
        executionId: execution.executionId,
        workerAgentId: worker.workerAgentId,
        executionStatus: ExecutionStatus.pending,
        retryAttemptNumber: 2,
      },
    ]);
    expect((await h.catalog.expireLeases(sweepEvery5s)).released).toEqual([]);
    const b = await readyWorker(h.catalog, 'node-b');
    const second = await claimOne(h.catalog, b.workerAgentId);
    expect(second.attemptNumber).toBe(2);
    await expect(
      h.catalog.completeTask(worker.workerAgentId, { taskId: first.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 }),
    ).rejects.toThrow(/lease was lost/);
    expect((await h.catalog.renewLeases(worker.workerAgentId, [{ taskId: first.taskId, attemptNumber: 1 }])).lost).toHaveLength(1);
    expect((await h.catalog.getExecution(execution.executionId)).status).toBe(ExecutionStatus.running);
    await h.catalog.completeTask(b.workerAgentId, { taskId: second.taskId, attemptNumber: 2, outcome: 'succeeded', exitCode: 0 });
    const tasks = (await h.catalog.getExecution(execution.executionId)).attempts;
    expect(tasks.map((t) => [t.attemptNumber, t.state, t.workerAgentId])).toEqual([
      [1, 'lost', worker.workerAgentId],
      [2, 'succeeded', b.workerAgentId],
    ]);
    expect(tasks[0]?.resultMessage).toMatch(/lease expired: no heartbeat from worker .* for 20 s/);
  },

  'a lost lease with no retry left ends the execution unexpectedly (6); an abandoned attempt likewise': async (h) => {
    const { worker } = await readyTopology(h);
    const lost = await startExtract(h.catalog);
    await claimOne(h.catalog, worker.workerAgentId);
    await passTime(h, h.leaseMs + 1);
    expect((await h.catalog.getExecution(lost.executionId)).status).toBe(ExecutionStatus.endedUnexpectedly);
    const abandoned = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.completeTask(worker.workerAgentId, { taskId: task.taskId, attemptNumber: 1, outcome: 'abandoned', message: 'worker shut down' });
    expect(await h.catalog.getExecution(abandoned.executionId)).toMatchObject({
      status: ExecutionStatus.endedUnexpectedly,
      statusMessage: 'worker shut down',
    });
  },

  'after an outage leases are extended once, not expired; a worker that stays silent is caught a lease later': async (h) => {
    const { worker } = await readyTopology(h);
    const alive = await startExtract(h.catalog);
    const dead = await startExtract(h.catalog);
    const [aliveTask, deadTask] = await h.catalog.claimTasks(worker.workerAgentId, 2);
    await h.catalog.expireLeases(sweepEvery5s);
    // The master is down for a minute: no sweep, no heartbeat.
    h.clock.advance(60_000);
    expect((await h.catalog.expireLeases(sweepEvery5s)).released).toEqual([]);
    expect((await h.catalog.getExecution(alive.executionId)).attempts[0]?.leaseDeadline).toBe(h.clock.now() + h.leaseMs);
    // Back up: the live worker heartbeats its task and finishes it; the other never comes back.
    h.clock.advance(5000);
    await h.catalog.renewLeases(worker.workerAgentId, [{ taskId: aliveTask!.taskId, attemptNumber: 1 }]);
    const released = await passTime(h, h.leaseMs);
    expect(released.map((r) => r.taskId)).toEqual([deadTask!.taskId]);
    await h.catalog.completeTask(worker.workerAgentId, { taskId: aliveTask!.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 });
    expect((await h.catalog.getExecution(alive.executionId)).status).toBe(ExecutionStatus.succeeded);
    expect((await h.catalog.getExecution(dead.executionId)).status).toBe(ExecutionStatus.endedUnexpectedly);
  },

  'a lease that runs out while the master is down for less than a lease is extended, not expired': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.expireLeases(sweepEvery5s);
    h.clock.advance(5000);
    await h.catalog.renewLeases(worker.workerAgentId, [{ taskId: task.taskId, attemptNumber: 1 }]);
    await h.catalog.expireLeases(sweepEvery5s);
    // Down for 17 s (less than the 20 s lease): the lease ran out meanwhile, 3 s after the master came back.
    h.clock.advance(17_000);
    expect((await h.catalog.expireLeases(sweepEvery5s)).released).toEqual([]);
    h.clock.advance(5000);
    // The worker had no fair chance to renew yet: it gets a full lease from the master's return.
    expect((await h.catalog.expireLeases(sweepEvery5s)).released).toEqual([]);
    h.clock.advance(1000);
    const renewed = await h.catalog.renewLeases(worker.workerAgentId, [{ taskId: task.taskId, attemptNumber: 1 }]);
    expect(renewed.renewed).toEqual([{ taskId: task.taskId, attemptNumber: 1 }]);
    expect((await h.catalog.getExecution(execution.executionId)).status).toBe(ExecutionStatus.running);
  },

  "with sweeps rarer than a lease (SSIS's 5 minutes), a dead worker's lease still expires": async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog);
    await claimOne(h.catalog, worker.workerAgentId);
    const everyFiveMinutes = { sweepIntervalMs: 300_000 };
    await h.catalog.expireLeases(everyFiveMinutes);
    h.clock.advance(300_000);
    expect((await h.catalog.expireLeases(everyFiveMinutes)).released.map((r) => r.executionId)).toEqual([execution.executionId]);
    expect((await h.catalog.getExecution(execution.executionId)).status).toBe(ExecutionStatus.endedUnexpectedly);
  },

  'a sweep says when the earliest running lease ends; a missed sweep judges none': async (h) => {
    const { worker } = await readyTopology(h);
    expect(await h.catalog.expireLeases(sweepEvery5s)).toMatchObject({ nextLeaseDeadline: null });
    const execution = await startExtract(h.catalog);
    const claimedAt = h.clock.now();
    await claimOne(h.catalog, worker.workerAgentId);
    h.clock.advance(1000);
    expect(await h.catalog.expireLeases(sweepEvery5s)).toMatchObject({ released: [], nextLeaseDeadline: claimedAt + h.leaseMs });
    // The alarm that was due at the deadline came late: the master was not watching, so the lease gets a full one.
    h.clock.advance(h.leaseMs + 1);
    const late = await h.catalog.expireLeases({ ...sweepEvery5s, missed: true });
    expect(late).toEqual({ released: [], nextLeaseDeadline: h.clock.now() + h.leaseMs });
    h.clock.advance(h.leaseMs + 1);
    expect((await h.catalog.expireLeases({ sweepIntervalMs: h.leaseMs + 1 })).released.map((r) => r.executionId)).toEqual([
      execution.executionId,
    ]);
  },

  'stop cancels a waiting execution at once, and a running one once the worker confirms or its lease ends': async (h) => {
    const { worker } = await readyTopology(h);
    const waiting = await startExtract(h.catalog);
    const stopped = await h.catalog.stopOperation(waiting.executionId, admin);
    expect(stopped).toMatchObject({ status: ExecutionStatus.canceled, statusMessage: `stopped by ${admin}` });
    expect((await h.catalog.getExecution(waiting.executionId)).attempts.map((t) => t.state)).toEqual(['canceled']);
    await expect(h.catalog.stopOperation(waiting.executionId, admin)).rejects.toThrow(IllegalStateError);

    const running = await startExtract(h.catalog, { retryCount: 3 });
    const task = await claimOne(h.catalog, worker.workerAgentId);
    expect((await h.catalog.stopOperation(running.executionId, admin)).status).toBe(ExecutionStatus.stopping);
    expect((await h.catalog.stopOperation(running.executionId, admin)).status).toBe(ExecutionStatus.stopping);
    await h.catalog.completeTask(worker.workerAgentId, { taskId: task.taskId, attemptNumber: 1, outcome: 'canceled', exitCode: 143 });
    expect((await h.catalog.getExecution(running.executionId)).status).toBe(ExecutionStatus.canceled);

    const silent = await startExtract(h.catalog, { retryCount: 3 });
    await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.stopOperation(silent.executionId, admin);
    await passTime(h, h.leaseMs + 1);
    expect(await h.catalog.getExecution(silent.executionId)).toMatchObject({ status: ExecutionStatus.canceled, attemptCount: 1 });
  },

  'a package that succeeds while its execution is being stopped ends it canceled, its attempt succeeded': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.stopOperation(execution.executionId, admin);
    expect(
      await h.catalog.completeTask(worker.workerAgentId, { taskId: task.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 }),
    ).toEqual({ executionStatus: ExecutionStatus.canceled, alreadyRecorded: false });
    expect(await h.catalog.getExecution(execution.executionId)).toMatchObject({ status: ExecutionStatus.canceled, statusMessage: 'stopped' });
    expect((await h.catalog.getExecution(execution.executionId)).attempts.map((t) => t.state)).toEqual(['succeeded']);
  },
};
