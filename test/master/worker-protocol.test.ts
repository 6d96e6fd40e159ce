import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../contracts/client.js';
import { endpointPath } from '../../contracts/endpoint.js';
import {
  addWorker,
  createExecution,
  deployProject,
  disableWorker,
  enableScaleOut,
  enableWorker,
  getExecution,
  listExecutionEvents,
  removeWorker,
  stopExecution,
} from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { workerAuthFailures } from '../../contracts/worker-auth.js';
import {
  archiveSha256Header,
  claimTasks,
  completeTask,
  downloadArchive,
  heartbeat,
  postEvents,
} from '../../contracts/worker-protocol.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller, workerToken, type WorkerCaller, type WorkerIdentity } from '../support/test-worker.js';
import { until } from '../support/until.js';

const agent = { agentVersion: '0.1.0', os: 'linux x64', machineName: 'node-a', userAccount: 'svc' };

describe('the worker protocol over HTTPS against the local host', () => {
  let master: TestMaster;
  let worker: WorkerCaller & { close(): void };
  let workerAgentId: string;
  let identity: WorkerIdentity;
  const others: (WorkerCaller & { close(): void })[] = [];

  /** Another enabled worker, with its own certificate and connection. */
  async function addEnabledWorker(name: string): Promise<{ id: string; call: WorkerCaller }> {
    const other = await createWorkerIdentity(name);
    const id = (await master.admin(addWorker, { body: { certificate: other.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId: id } });
    const call = workerCaller(other, master.url, master.host.certificateThumbprint);
    others.push(call);
    return { id, call };
  }

  beforeAll(async () => {
    master = await startTestMaster();
    await master.admin(enableScaleOut, {});
    const archive = await zipFiles(sampleProjectFiles());
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: archive });
    identity = await createWorkerIdentity('node-a');
    const added = await master.admin(addWorker, { body: { certificate: identity.certPem } });
    workerAgentId = added.worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
  });

  afterAll(async () => {
    worker?.close();
    for (const other of others) other.close();
    await master?.stop();
  });

  it('claims, heartbeats, ships events and completes an execution, which then shows as succeeded with its log', async () => {
    const created = await master.admin(createExecution, {
      body: {
        folderName: 'Finance',
        projectName: 'ETL',
        packageName: 'extract',
        parameters: { SourcePath: '/in.csv', ApiToken: 'tok-1' },
        start: true,
      },
    });
    expect(created).toMatchObject({ status: 5, statusName: 'pending' });

    const { tasks, leaseMs } = await worker(claimTasks, { body: { freeSlots: 2, waitMs: 1000 } });
    expect(leaseMs).toBe(20_000);
    expect(tasks).toHaveLength(1);
    const [task] = tasks;
    expect(task).toMatchObject({
      executionId: created.executionId,
      attemptNumber: 1,
      packageName: 'extract',
      runner: 'node',
      entry: 'extract.mjs',
      parameters: { SourcePath: '/in.csv', ApiToken: 'tok-1', BatchSize: 100 },
      sensitiveParameterNames: ['ApiToken'],
    });

    const archive = await worker(downloadArchive, { params: { projectVersionId: task!.archive.projectVersionId } });
    expect(archive.length).toBe(task!.archive.size);

    const beat = await worker(heartbeat, { body: { tasks: [{ taskId: task!.taskId, attemptNumber: 1 }], agent } });
    expect(beat).toMatchObject({ renewed: [{ taskId: task!.taskId, attemptNumber: 1 }], lost: [], cancel: [], workerEnabled: true });

    const events = Array.from({ length: 50 }, (_, i) => ({
      sequenceNumber: i + 1,
      time: new Date().toISOString(),
      type: 'information' as const,
      source: 'stdout',
      message: `row batch ${i + 1}`,
    }));
    expect(await worker(postEvents, { params: { taskId: task!.taskId }, body: { attemptNumber: 1, events } })).toEqual({ accepted: 50 });

    const done = await worker(completeTask, {
      params: { taskId: task!.taskId },
      body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0, message: 'extracted 50 batches' },
    });
    expect(done).toEqual({ executionStatus: 7, executionStatusName: 'succeeded', alreadyRecorded: false });

    const shown = await master.admin(getExecution, { params: { executionId: created.executionId } });
    expect(shown).toMatchObject({ status: 7, statusMessage: 'extracted 50 batches', workerAgentId, waitingReason: null });
    expect(shown.parameters.find((p) => p.name === 'ApiToken')).toEqual({ name: 'ApiToken', sensitive: true, value: null });
    expect(shown.attempts).toMatchObject([{ attemptNumber: 1, state: 'succeeded', exitCode: 0, workerAgentId }]);

    // The lines reach the catalog through the queue, drained moments after they arrive.
    let logged: string[] = [];
    for (let tries = 0; tries < 100 && logged.length < 50; tries++) {
      const page = await master.admin(listExecutionEvents, { params: { executionId: created.executionId }, query: { after: 0 } });
      logged = page.events.map((e) => e.message);
      if (logged.length < 50) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(logged).toEqual(events.map((e) => e.message));
  });

  it('refuses a completion for a stale attempt with 409, changing nothing', async () => {
    const created = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true },
    });
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } });
    const stale = worker(completeTask, {
      params: { taskId: tasks[0]!.taskId },
      body: { attemptNumber: 2, outcome: 'succeeded', exitCode: 0 },
    });
    await expect(stale).rejects.toMatchObject({ status: 409, problem: { type: 'urn:scaleout:problem:stale-attempt' } });
    await expect(stale).rejects.toBeInstanceOf(ApiError);
    expect((await master.admin(getExecution, { params: { executionId: created.executionId } })).status).toBe(2);
  });

  it('answers a claim sent again under its claim id with the tasks it leased, which then complete', async () => {
    const created = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true },
    });
    const claimId = '6f1c2a9e-0d3b-4c47-9a59-3f1e1b7c2d10';
    const first = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000, claimId } });
    // The answer was lost on the way: the worker sends the same claim again.
    const again = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 0, claimId } });
    expect(again.tasks.map((t) => [t.taskId, t.attemptNumber, t.executionId])).toEqual([[first.tasks[0]!.taskId, 1, created.executionId]]);
    await worker(completeTask, { params: { taskId: again.tasks[0]!.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
    expect((await master.admin(getExecution, { params: { executionId: created.executionId } })).status).toBe(7);
  });

  it('serves the archive with its SHA-256 in x-scaleout-sha256', async () => {
    const created = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true },
    });
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } });
    expect(tasks[0]!.executionId).toBe(created.executionId);
    const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    try {
      const response = await transport.request({
        method: 'GET',
        path: endpointPath(downloadArchive, { projectVersionId: tasks[0]!.archive.projectVersionId }),
        headers: { authorization: `Bearer ${await workerToken(identity, master.url)}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/zip');
      expect(response.headers[archiveSha256Header]).toBe(tasks[0]!.archive.sha256);
      expect(createHash('sha256').update(response.body).digest('hex')).toBe(tasks[0]!.archive.sha256);
    } finally {
      transport.close();
    }
    await worker(completeTask, { params: { taskId: tasks[0]!.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
  });

  it('wakes a waiting claim at once when an execution is started on the same instance', async () => {
    const waiting = master.host.services.workSignal.waiting;
    const claim = worker(claimTasks, { body: { freeSlots: 1, waitMs: 20_000 } });
    await until('the claim to wait', () => master.host.services.workSignal.waiting > waiting);
    const queriesBefore = master.host.services.catalogQueryCount;
    const started = Date.now();
    const created = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true },
    });
    const { tasks } = await claim;
    // Far sooner than the 20 s the claim may wait: the start woke it.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(tasks.map((t) => t.executionId)).toEqual([created.executionId]);
    expect(master.host.services.catalogQueryCount).toBeGreaterThan(queriesBefore);
    await worker(completeTask, { params: { taskId: tasks[0]!.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
  });

  it('passes a stop to the running attempt through the heartbeat; the canceled report ends the execution', async () => {
    const created = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true },
    });
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } });
    const ref = { taskId: tasks[0]!.taskId, attemptNumber: tasks[0]!.attemptNumber };
    expect((await worker(heartbeat, { body: { tasks: [ref], agent } })).cancel).toEqual([]);

    const stopping = await master.admin(stopExecution, { params: { executionId: created.executionId } });
    expect(stopping).toMatchObject({ status: 8, statusName: 'stopping' });
    const beat = await worker(heartbeat, { body: { tasks: [ref], agent } });
    expect(beat).toMatchObject({ renewed: [ref], cancel: [ref], lost: [] });

    const done = await worker(completeTask, { params: { taskId: ref.taskId }, body: { attemptNumber: 1, outcome: 'canceled', exitCode: null } });
    expect(done).toMatchObject({ executionStatus: 3, executionStatusName: 'canceled' });
  });

  it('gives a disabled worker no new task, but lets it heartbeat and complete the one it runs', async () => {
    const other = await addEnabledWorker('node-disabled');
    const first = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', workerAgentIds: [other.id], start: true },
    });
    const { tasks } = await other.call(claimTasks, { body: { freeSlots: 5, waitMs: 1000 } });
    expect(tasks.map((t) => t.executionId)).toEqual([first.executionId]);
    const ref = { taskId: tasks[0]!.taskId, attemptNumber: 1 };

    await master.admin(disableWorker, { params: { workerAgentId: other.id } });
    const second = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', workerAgentIds: [other.id], start: true },
    });
    expect((await other.call(claimTasks, { body: { freeSlots: 5, waitMs: 0 } })).tasks).toEqual([]);

    const beat = await other.call(heartbeat, { body: { tasks: [ref], agent: { ...agent, machineName: 'node-disabled' } } });
    expect(beat).toMatchObject({ renewed: [ref], lost: [], cancel: [], workerEnabled: false });
    const done = await other.call(completeTask, { params: { taskId: ref.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
    expect(done.executionStatus).toBe(7);

    const waiting = await master.admin(getExecution, { params: { executionId: second.executionId } });
    expect(waiting).toMatchObject({ status: 5 });
    expect(waiting.waitingReason).toContain('disabled');
    await master.admin(stopExecution, { params: { executionId: second.executionId } });
  });

  it('refuses a removed worker with 401', async () => {
    const other = await addEnabledWorker('node-removed');
    expect((await other.call(claimTasks, { body: { freeSlots: 1, waitMs: 0 } })).tasks).toEqual([]);
    await master.admin(removeWorker, { params: { workerAgentId: other.id } });
    const refused = other.call(heartbeat, { body: { tasks: [], agent } });
    await expect(refused).rejects.toMatchObject({ status: 401, problem: { detail: workerAuthFailures.unknownCertificate } });
  });
});
