import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import {
  addWorker,
  createExecution,
  deployProject,
  enableScaleOut,
  enableWorker,
  getExecution,
  getMasterStatus,
  stopExecution,
} from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import {
  getChildExecution,
  listChildExecutions,
  startChildExecution,
  stopChildExecution,
} from '../../contracts/task-api.js';
import { claimTasks, completeTask, heartbeat, type ClaimedTask } from '../../contracts/worker-protocol.js';
import { zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../support/test-worker.js';

const agent = { agentVersion: 'test', os: 'linux', machineName: 'test', userAccount: 'test' };

const projectFiles = {
  'scaleout.json': JSON.stringify({
    packages: [
      { name: 'fan-out', runner: 'node', entry: 'fan-out.mjs' },
      { name: 'partition', runner: 'node', entry: 'partition.mjs', parameters: [{ name: 'Partition', dataType: 'Int32', required: true }] },
    ],
  }),
  'fan-out.mjs': 'export default async () => {};\n',
  'partition.mjs': 'export default async () => {};\n',
};

describe('parent and child executions through the task API', () => {
  let master: TestMaster;
  const workers: (WorkerCaller & { close(): void })[] = [];
  const workerIds: string[] = [];
  const transports: NodeHttpsTransport[] = [];

  /** Calls the task API the way a package does: with the credential its worker handed it. */
  const asTask =
    (task: ClaimedTask) =>
    <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> => {
      const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
      transports.push(transport);
      return callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${task.taskCredential}` } });
    };

  const claim = async (worker: WorkerCaller, freeSlots: number) => (await worker(claimTasks, { body: { freeSlots, waitMs: 2000 } })).tasks;

  beforeAll(async () => {
    master = await startTestMaster();
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'Sales', projectName: 'Partitions' }, body: await zipFiles(projectFiles) });
    for (const name of ['node-a', 'node-b']) {
      const identity = await createWorkerIdentity(name);
      const added = await master.admin(addWorker, { body: { certificate: identity.certPem, maxTaskCount: 5 } });
      await master.admin(enableWorker, { params: { workerAgentId: added.worker!.workerAgentId } });
      workerIds.push(added.worker!.workerAgentId);
      workers.push(workerCaller(identity, master.url, master.host.certificateThumbprint));
    }
  });

  afterAll(async () => {
    for (const worker of workers) worker.close();
    for (const transport of transports) transport.close();
    await master?.stop();
  });

  const startParent = async () => {
    const parent = await master.admin(createExecution, {
      body: { folderName: 'Sales', projectName: 'Partitions', packageName: 'fan-out', start: true },
    });
    const [task] = await claim(workers[0]!, 1);
    expect(task?.executionId).toBe(parent.executionId);
    return { parent, task: task! };
  };

  it('a parent fans out 8 children across 2 workers and aggregates what they report', async () => {
    const { parent, task } = await startParent();
    const call = asTask(task);
    const started = [];
    for (let partition = 0; partition < 8; partition++) {
      started.push(
        await call(startChildExecution, {
          body: { folderName: 'Sales', projectName: 'Partitions', packageName: 'partition', parameters: { Partition: partition }, key: `p${partition}` },
        }),
      );
    }
    // Asked again with a key already used (a retried parent), the same child comes back.
    const again = await call(startChildExecution, {
      body: { folderName: 'Sales', projectName: 'Partitions', packageName: 'partition', parameters: { Partition: 0 }, key: 'p0' },
    });
    expect(again.executionId).toBe(started[0]!.executionId);
    expect(started.every((child) => child.parentExecutionId === parent.executionId && child.createdBy === `execution:${parent.executionId}`)).toBe(true);
    expect(started.map((child) => child.childKey)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);

    // Both workers take children; each reports how many rows its partition had.
    const ranOn = new Map<number, string>();
    for (let round = 0; ranOn.size < 8 && round < 20; round++) {
      for (const [index, worker] of workers.entries()) {
        for (const child of await claim(worker, 4)) {
          ranOn.set(child.executionId, workerIds[index]!);
          const rows = (child.parameters['Partition'] as number) * 10;
          await worker(completeTask, {
            params: { taskId: child.taskId },
            body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0, message: `rows=${rows}` },
          });
        }
      }
    }
    expect(new Set(ranOn.values())).toEqual(new Set(workerIds));

    const listed = await call(listChildExecutions, {});
    expect(listed.executions.map((e) => e.executionId)).toEqual(started.map((e) => e.executionId));
    let total = 0;
    for (const child of started) {
      const seen = await call(getChildExecution, { params: { executionId: child.executionId } });
      expect(seen.statusName).toBe('succeeded');
      total += Number(/rows=(\d+)/.exec(seen.statusMessage ?? '')?.[1]);
    }
    expect(total).toBe(280);
    await workers[0]!(completeTask, {
      params: { taskId: task.taskId },
      body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0, message: `total rows=${total}` },
    });
    const shown = await master.admin(getExecution, { params: { executionId: parent.executionId } });
    expect(shown).toMatchObject({ statusName: 'succeeded', statusMessage: 'total rows=280' });
    expect(shown.children.map((c) => c.executionId)).toEqual(started.map((e) => e.executionId));
  });

  it('stopping a parent stops every running child', async () => {
    const { parent, task } = await startParent();
    const call = asTask(task);
    const children = [];
    for (let partition = 0; partition < 3; partition++) {
      children.push(
        await call(startChildExecution, {
          body: { folderName: 'Sales', projectName: 'Partitions', packageName: 'partition', parameters: { Partition: partition } },
        }),
      );
    }
    const running = await claim(workers[1]!, 2);
    expect(running).toHaveLength(2);

    await master.admin(stopExecution, { params: { executionId: parent.executionId } });
    const statuses = await Promise.all(
      children.map(async (child) => (await master.admin(getExecution, { params: { executionId: child.executionId } })).statusName),
    );
    expect(statuses.sort()).toEqual(['canceled', 'stopping', 'stopping']);
    const beat = await workers[1]!(heartbeat, { body: { tasks: running.map((t) => ({ taskId: t.taskId, attemptNumber: 1 })), agent } });
    expect(beat.cancel).toHaveLength(2);
    for (const child of running) {
      await workers[1]!(completeTask, { params: { taskId: child.taskId }, body: { attemptNumber: 1, outcome: 'canceled', exitCode: 143 } });
    }
    await workers[0]!(completeTask, { params: { taskId: task.taskId }, body: { attemptNumber: 1, outcome: 'canceled', exitCode: 143 } });
    const after = await Promise.all(
      [parent, ...children].map(async (e) => (await master.admin(getExecution, { params: { executionId: e.executionId } })).statusName),
    );
    expect(after).toEqual(['canceled', 'canceled', 'canceled', 'canceled']);
  });

  it('the task credential reaches only its own children, no management operation, and ends with the lease', async () => {
    const { task } = await startParent();
    const call = asTask(task);
    const stranger = await master.admin(createExecution, {
      body: { folderName: 'Sales', projectName: 'Partitions', packageName: 'partition', parameters: { Partition: 1 } },
    });
    await expect(call(getMasterStatus, {})).rejects.toMatchObject({ status: 403, problem: { detail: expect.stringMatching(/task credential/) } });
    await expect(
      call(createExecution, { body: { folderName: 'Sales', projectName: 'Partitions', packageName: 'partition' } }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(call(getChildExecution, { params: { executionId: stranger.executionId } })).rejects.toMatchObject({
      status: 403,
      problem: { detail: expect.stringMatching(/not a child/) },
    });
    await expect(call(stopChildExecution, { params: { executionId: stranger.executionId } })).rejects.toMatchObject({ status: 403 });
    expect((await master.admin(getExecution, { params: { executionId: stranger.executionId } })).statusName).toBe('created');

    await workers[0]!(completeTask, { params: { taskId: task.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
    await expect(call(listChildExecutions, {})).rejects.toMatchObject({
      status: 401,
      problem: { detail: expect.stringMatching(/no longer holds its lease/) },
    });
    const forged = { ...task, taskCredential: `${task.taskCredential.slice(0, -4)}AAAA` };
    await expect(asTask(forged)(listChildExecutions, {})).rejects.toMatchObject({ status: 401 });
  });
});
