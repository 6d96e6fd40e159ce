import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../contracts/client.js';
import {
  addWorker,
  createExecution,
  deployProject,
  enableScaleOut,
  enableWorker,
  getExecution,
  listExecutionEvents,
} from '../../contracts/management/endpoints.js';
import { claimTasks, completeTask, downloadArchive, heartbeat, postEvents } from '../../contracts/worker-protocol.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../support/test-worker.js';

const agent = { agentVersion: '0.1.0', os: 'linux x64', machineName: 'node-a', userAccount: 'svc' };

describe('the worker protocol over HTTPS against the local host', () => {
  let master: TestMaster;
  let worker: WorkerCaller & { close(): void };
  let workerAgentId: string;

  beforeAll(async () => {
    master = await startTestMaster();
    await master.admin(enableScaleOut, {});
    const archive = await zipFiles(sampleProjectFiles());
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: archive });
    const identity = await createWorkerIdentity('node-a');
    const added = await master.admin(addWorker, { body: { certificate: identity.certPem } });
    workerAgentId = added.worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
  });

  afterAll(async () => {
    worker?.close();
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
});
