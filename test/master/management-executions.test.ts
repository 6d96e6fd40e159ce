import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addExecutionWorker,
  addWorker,
  createExecution,
  deployProject,
  enableScaleOut,
  enableWorker,
  getExecution,
  listExecutionEvents,
  listExecutions,
  setExecutionParameterValue,
  setWorkerProperties,
  startExecution,
  stopExecution,
} from '../../contracts/management/endpoints.js';
import { claimTasks, completeTask, heartbeat, postEvents } from '../../contracts/worker-protocol.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../support/test-worker.js';
import { until } from '../support/until.js';

const agent = { agentVersion: '0.1.0', os: 'linux x64', machineName: 'exec-node', userAccount: 'svc' };
const project = { folderName: 'Finance', projectName: 'ETL' };

describe('the management API: executions', () => {
  let master: TestMaster;
  let worker: (WorkerCaller & { close(): void }) | undefined;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    await master.admin(deployProject, { params: project, body: await zipFiles(sampleProjectFiles()) });
  });

  afterAll(async () => {
    worker?.close();
    await master?.stop();
  });

  const start = (extra: Partial<Parameters<typeof createExecutionBody>[0]> = {}) =>
    master.admin(createExecution, { body: createExecutionBody(extra) });
  const reason = async (executionId: number) => (await master.admin(getExecution, { params: { executionId } })).waitingReason;

  it('says why an execution waits, for each typical cause', async () => {
    const pending = await start();
    expect(pending.status).toBe(5);
    expect(await reason(pending.executionId)).toMatch(/^Scale Out is not enabled/);

    await master.admin(enableScaleOut, {});
    expect(await reason(pending.executionId)).toMatch(/^no worker agent is registered/);

    const identity = await createWorkerIdentity('exec-node');
    const { workerAgentId } = (await master.admin(addWorker, { body: { certificate: identity.certPem, tags: ['etl'] } })).worker!;
    expect(await reason(pending.executionId)).toMatch(/are disabled: exec-node/);

    await master.admin(enableWorker, { params: { workerAgentId } });
    expect(await reason(pending.executionId)).toMatch(/are offline: exec-node/);

    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
    await worker(heartbeat, { body: { tasks: [], agent } });
    expect(await reason(pending.executionId)).toBe('waiting for exec-node to claim it');

    const tagged = await start({ requiredTags: ['gpu'] });
    expect(await reason(tagged.executionId)).toBe('no worker it may run on has all the tags gpu');
    await master.admin(stopExecution, { params: { executionId: tagged.executionId } });

    await master.admin(setWorkerProperties, { params: { workerAgentId }, body: { maxTaskCount: 1 } });
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 5, waitMs: 0 } });
    expect(tasks.map((t) => t.executionId)).toEqual([pending.executionId]);
    const queued = await start();
    expect(await reason(queued.executionId)).toBe('the workers that could run it are busy: exec-node 1/1');

    await worker(completeTask, { params: { taskId: tasks[0]!.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
    await master.admin(stopExecution, { params: { executionId: queued.executionId } });
    await master.admin(setWorkerProperties, { params: { workerAgentId }, body: { maxTaskCount: 10 } });
  });

  it('creates, sets parameters, adds a worker, starts, shows and stops an execution, step by step', async () => {
    const created = await master.admin(createExecution, {
      body: { ...project, packageName: 'extract', parameters: { SourcePath: '/a.csv' } },
    });
    expect(created).toMatchObject({ status: 1, statusName: 'created', useAnyWorker: true, attempts: [] });
    expect(created.waitingReason).toMatch(/^created, not started/);
    const executionId = created.executionId;

    await master.admin(setExecutionParameterValue, { params: { executionId, parameterName: 'BatchSize' }, body: { value: 500 } });
    const secret = await master.admin(setExecutionParameterValue, { params: { executionId, parameterName: 'ApiToken' }, body: { value: 's3cret' } });
    expect(secret.parameters).toEqual(
      expect.arrayContaining([
        { name: 'SourcePath', sensitive: false, value: '/a.csv' },
        { name: 'BatchSize', sensitive: false, value: 500 },
        { name: 'ApiToken', sensitive: true, value: null },
      ]),
    );
    expect(JSON.stringify(secret)).not.toContain('s3cret');
    await expect(
      master.admin(setExecutionParameterValue, { params: { executionId, parameterName: 'Nope' }, body: { value: 1 } }),
    ).rejects.toMatchObject({ status: 400 });

    const workerAgentId = (await master.admin(listExecutions, {})).executions.find((e) => e.workerAgentId)?.workerAgentId;
    const withWorker = await master.admin(addExecutionWorker, { params: { executionId }, body: { workerAgentId: workerAgentId! } });
    expect(withWorker).toMatchObject({ useAnyWorker: false, workerAgentIds: [workerAgentId] });
    await expect(master.admin(addExecutionWorker, { params: { executionId }, body: { workerAgentId: 'no-such-worker' } })).rejects.toMatchObject({
      status: 400,
    });

    const started = await master.admin(startExecution, { params: { executionId }, body: { retryCount: 2 } });
    expect(started).toMatchObject({ status: 5, statusName: 'pending', retryCount: 2, attempts: [{ attemptNumber: 1, state: 'pending' }] });
    await expect(master.admin(startExecution, { params: { executionId }, body: {} })).rejects.toMatchObject({ status: 409 });
    await expect(master.admin(setExecutionParameterValue, { params: { executionId, parameterName: 'BatchSize' }, body: { value: 1 } })).rejects.toMatchObject({
      status: 409,
    });

    const stopped = await master.admin(stopExecution, { params: { executionId } });
    expect(stopped).toMatchObject({ status: 3, statusName: 'canceled', waitingReason: null });
    await expect(master.admin(stopExecution, { params: { executionId } })).rejects.toMatchObject({ status: 409 });
    await expect(master.admin(getExecution, { params: { executionId: 999_999 } })).rejects.toMatchObject({ status: 404 });
  });

  it('refuses parameters the package does not declare, and a missing required one on start', async () => {
    await expect(start({ parameters: { Unknown: 1 } })).rejects.toMatchObject({ status: 400, problem: { errors: [{ field: 'parameters.Unknown' }] } });
    await expect(master.admin(createExecution, { body: { ...project, packageName: 'extract', start: true } })).rejects.toMatchObject({
      status: 400,
      problem: { errors: [{ field: 'parameters.SourcePath' }] },
    });
    await expect(master.admin(createExecution, { body: { ...project, packageName: 'nope' } })).rejects.toMatchObject({ status: 404 });
  });

  it('lists executions newest first, filtered and paged', async () => {
    const since = new Date().toISOString();
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await master.admin(createExecution, { body: { ...project, packageName: 'load' } }));
    const ids = made.map((e) => e.executionId).reverse();
    const first = await master.admin(listExecutions, { query: { since, limit: 2 } });
    expect(first.executions.map((e) => e.executionId)).toEqual(ids.slice(0, 2));
    expect(first.nextOffset).toBe(2);
    const rest = await master.admin(listExecutions, { query: { since, limit: 2, offset: 4 } });
    expect(rest.executions.map((e) => e.executionId)).toEqual(ids.slice(4));
    expect(rest.nextOffset).toBeNull();
    expect((await master.admin(listExecutions, { query: { since, status: [1], package: 'load' } })).executions).toHaveLength(5);
    expect((await master.admin(listExecutions, { query: { since, status: [2, 7] } })).executions).toHaveLength(0);
    expect((await master.admin(listExecutions, { query: { since, package: 'extract' } })).executions).toHaveLength(0);
    expect((await master.admin(listExecutions, { query: { folder: 'Nowhere' } })).executions).toHaveLength(0);
    for (const execution of made) await master.admin(stopExecution, { params: { executionId: execution.executionId } });
  });

  it('pages an execution’s event messages with a cursor', async () => {
    const execution = await start();
    const { tasks } = await worker!(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } });
    expect(tasks[0]!.executionId).toBe(execution.executionId);
    const events = Array.from({ length: 25 }, (_, i) => ({
      sequenceNumber: i + 1,
      time: new Date().toISOString(),
      type: i === 24 ? ('error' as const) : ('information' as const),
      source: 'stdout',
      message: `line ${i + 1}`,
    }));
    await worker!(postEvents, { params: { taskId: tasks[0]!.taskId }, body: { attemptNumber: 1, events } });
    await worker!(completeTask, { params: { taskId: tasks[0]!.taskId }, body: { attemptNumber: 1, outcome: 'failed', exitCode: 2 } });
    await until('the events to be stored', async () => {
      const page = await master.admin(listExecutionEvents, { params: { executionId: execution.executionId }, query: { limit: 5000 } });
      return page.events.length === 25;
    });
    const seen: string[] = [];
    let after = 0;
    for (;;) {
      const page = await master.admin(listExecutionEvents, { params: { executionId: execution.executionId }, query: { after, limit: 10 } });
      if (page.events.length === 0) {
        expect(page.nextCursor).toBe(after);
        break;
      }
      seen.push(...page.events.map((e) => e.message));
      after = page.nextCursor;
    }
    expect(seen).toEqual(events.map((e) => e.message));
    const last = (await master.admin(listExecutionEvents, { params: { executionId: execution.executionId }, query: { after: 0, limit: 25 } })).events.at(-1);
    expect(last).toMatchObject({ messageTypeName: 'error', messageType: 120, sequenceNumber: 25, taskId: tasks[0]!.taskId });
    expect((await master.admin(getExecution, { params: { executionId: execution.executionId } })).status).toBe(4);
    await expect(master.admin(listExecutionEvents, { params: { executionId: 999_999 } })).rejects.toMatchObject({ status: 404 });
  });
});

function createExecutionBody(extra: { requiredTags?: string[]; parameters?: Record<string, string | number | boolean> } = {}) {
  return { ...project, packageName: 'load', start: true, ...extra };
}
