import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, createExecution, createSchedule, deployProject, enableScaleOut, enableWorker, getExecution } from '../../contracts/management/endpoints.js';
import { claimTasks } from '../../contracts/worker-protocol.js';
import { safetySweepTimer } from '../../functions/timers/master-timers.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../support/test-worker.js';
import { until } from '../support/until.js';

const leaseMs = 2000;

/**
 * Item 3 of issue 11: the master's timers cost nothing when nothing is due, and its alarms (delayed messages of a
 * real Azurite queue, read by the local host's queue runner as Azure's trigger would) stand up to the queue's
 * at-least-once delivery: an alarm delivered twice changes nothing more than once, one lost is caught by the
 * safety sweep.
 */
describe("the master's alarms", () => {
  let master: TestMaster;
  let worker: (WorkerCaller & { close(): void }) | undefined;

  beforeAll(async () => {
    master = await startTestMaster({ env: { SCALEOUT_LEASE_MS: String(leaseMs), SCALEOUT_CLAIM_MAX_WAIT_MS: '0' } });
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'F', projectName: 'P' }, body: await zipFiles(sampleProjectFiles()) });
  }, 60_000);

  afterAll(async () => {
    worker?.close();
    await master?.stop();
  });

  const alarmQueue = () => {
    const storage = master.host.services.config.eventQueue.storage;
    if (storage.kind !== 'connection-string') throw new Error('the test master reaches its Azurite by connection string');
    return QueueServiceClient.fromConnectionString(storage.connectionString).getQueueClient(master.host.services.config.alarmQueueName);
  };

  /** An execution with retries to spare whose first attempt this worker takes and then never renews (it died). */
  const abandonedAttempt = async (): Promise<number> => {
    // Only for this worker, which never claims again: the retry stays pending, another test's worker cannot take it.
    const identity = await createWorkerIdentity(`dies-${randomUUID()}`);
    const { workerAgentId } = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker?.close();
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
    const { executionId } = await master.admin(createExecution, {
      body: { folderName: 'F', projectName: 'P', packageName: 'load', retryCount: 2, workerAgentIds: [workerAgentId], start: true },
    });
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 0 } });
    expect(tasks.map((task) => task.executionId)).toEqual([executionId]);
    return executionId;
  };
  const attemptsOf = async (executionId: number) =>
    (await master.admin(getExecution, { params: { executionId } })).attempts.map((attempt) => attempt.attemptNumber);
  const expiredLines = (executionId: number) =>
    master.logs.filter((line) => line.includes('lease expired') && line.includes(`"executionId":${executionId},`));

  it('with no running task and no schedule due, runs no catalog statement in a minute', async () => {
    // A schedule armed for tomorrow: its alarm waits in the queue, invisible.
    const due = new Date(Date.now() + 12 * 3600_000);
    await master.admin(createSchedule, {
      body: { name: 'tomorrow', folderName: 'F', projectName: 'P', packageName: 'load', cron: `0 ${due.getUTCMinutes()} ${due.getUTCHours()} * * *` },
    });
    await master.host.services.alarms.settle();
    const before = master.host.services.catalogQueryCount;
    await delay(60_000);
    expect(master.host.services.catalogQueryCount - before).toBe(0);
  }, 90_000);

  it('re-queues a dead worker’s attempt once when its lease alarm is delivered three times', async () => {
    // Messages already waiting (the first test's schedule alarm for tomorrow): the count to come back to.
    await master.host.services.alarms.settle();
    const waiting = (await alarmQueue().getProperties()).approximateMessagesCount;
    const executionId = await abandonedAttempt();
    // The alarm the claim armed, and two more copies due at the same time, as a queue may deliver one twice.
    const copy = JSON.stringify({ kind: 'leases', dueAt: Date.now() + leaseMs });
    for (let i = 0; i < 2; i++) await master.host.services.alarmQueue.send(copy, { delaySeconds: leaseMs / 1000 });
    await until('the retry', async () => (await attemptsOf(executionId)).length > 1, { timeoutMs: 30_000, intervalMs: 200 });
    await until('every copy of the alarm handled', async () => (await alarmQueue().getProperties()).approximateMessagesCount === waiting, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(await attemptsOf(executionId)).toEqual([1, 2]);
    expect(expiredLines(executionId)).toHaveLength(1);
  }, 90_000);

  it('catches a dead worker’s lease whose alarm was lost at the safety sweep, and re-queues it a lease later', async () => {
    const executionId = await abandonedAttempt();
    await master.host.services.alarms.settle();
    await alarmQueue().clearMessages();
    // Nobody watches the lease now: it ends, and nothing happens.
    await delay(leaseMs + 3000);
    expect(await attemptsOf(executionId)).toEqual([1]);

    await safetySweepTimer.run(master.host.services, { invocationId: randomUUID(), functionName: 'safetySweep', log: master.host.services.log });
    // The sweep was not watching either: it gives the lease a full term from now and arms the alarm that judges it.
    expect(await attemptsOf(executionId)).toEqual([1]);
    await until('the retry', async () => (await attemptsOf(executionId)).length > 1, { timeoutMs: leaseMs + 10_000, intervalMs: 200 });
    expect(await attemptsOf(executionId)).toEqual([1, 2]);
    expect(expiredLines(executionId)).toHaveLength(1);
  }, 90_000);
});
