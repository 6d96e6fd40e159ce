import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, createExecution, deployProject, enableScaleOut, enableWorker, listExecutionEvents } from '../../contracts/management/endpoints.js';
import { claimTasks, completeTask, heartbeat, maxEventsPerRequest, postEvents, type WorkerEvent } from '../../contracts/worker-protocol.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startSharedCatalogMasters } from '../support/shared-catalog-masters.js';
import { startTestMaster, type ManagementCaller } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../support/test-worker.js';
import { until } from '../support/until.js';

const totalLines = 100_000;
const agent = { agentVersion: '0.1.0', os: 'linux', machineName: 'flood', userAccount: 'svc' };

/** A master as the flood needs it, whichever way its event lines reach the catalog. */
interface FloodedMaster {
  url: string;
  thumbprint: string;
  catalogPath: string;
  admin: ManagementCaller;
  stop(): Promise<void>;
}

/** `inOrder`: the catalog's cursor follows the sequence; the queue's drain stores messages in the order it gets them. */
const paths: { name: string; inOrder: boolean; start(): Promise<FloodedMaster> }[] = [
  {
    name: 'on the one-box, which commits the lines to the catalog before it answers',
    inOrder: true,
    async start() {
      const master = await startTestMaster();
      const { url, admin } = master;
      return { url, admin, thumbprint: master.host.certificateThumbprint, catalogPath: join(master.folder, 'catalog.sqlite'), stop: () => master.stop() };
    },
  },
  {
    name: "through the event queue and its drain (Azure's path: a master of its own over Azurite)",
    inOrder: false,
    async start() {
      const masters = await startSharedCatalogMasters(1);
      const host = masters.hosts[0]!;
      const admin = masters.admin(host);
      return { url: host.url, admin, thumbprint: host.certificateThumbprint, catalogPath: masters.catalogPath, stop: () => masters.stop() };
    },
  },
];

describe.each(paths)('an event flood, $name', ({ start, inOrder }) => {
  let master: FloodedMaster;
  const workers: (WorkerCaller & { close(): void })[] = [];

  async function enabledWorker(name: string, tags: string[]) {
    const identity = await createWorkerIdentity(name);
    const { workerAgentId } = (await master.admin(addWorker, { body: { certificate: identity.certPem, tags } })).worker!;
    await master.admin(enableWorker, { params: { workerAgentId } });
    const call = workerCaller(identity, master.url, master.thumbprint);
    workers.push(call);
    return call;
  }

  beforeAll(async () => {
    master = await start();
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'F', projectName: 'P' }, body: await zipFiles(sampleProjectFiles()) });
  });

  afterAll(async () => {
    for (const worker of workers) worker.close();
    await master?.stop();
  });

  it(`stores 100,000 lines of one task once each${inOrder ? ', in order,' : ''} while other workers keep claiming`, async () => {
    const flooder = await enabledWorker('flooder', ['flood']);
    const others = [await enabledWorker('steady-1', ['steady']), await enabledWorker('steady-2', ['steady'])];
    const flood = await master.admin(createExecution, {
      body: { folderName: 'F', projectName: 'P', packageName: 'load', requiredTags: ['flood'], start: true },
    });
    const [task] = (await flooder(claimTasks, { body: { freeSlots: 1, waitMs: 5000 } })).tasks;
    expect(task?.executionId).toBe(flood.executionId);
    const ref = { taskId: task!.taskId, attemptNumber: task!.attemptNumber };

    // Other work keeps coming and going during the flood.
    let flooding = true;
    const completedAt: number[] = [];
    const steady = async (worker: WorkerCaller) => {
      while (flooding) {
        await master.admin(createExecution, {
          body: { folderName: 'F', projectName: 'P', packageName: 'load', requiredTags: ['steady'], start: true },
        });
        const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 1000 } });
        for (const claimed of tasks) {
          await worker(completeTask, { params: { taskId: claimed.taskId }, body: { attemptNumber: claimed.attemptNumber, outcome: 'succeeded', exitCode: 0 } });
          completedAt.push(Date.now());
        }
      }
    };
    const steadyRuns = others.map(steady);

    const batch = (first: number): WorkerEvent[] =>
      Array.from({ length: maxEventsPerRequest }, (_, i) => ({
        sequenceNumber: first + i,
        time: new Date().toISOString(),
        type: 'information',
        source: 'stdout',
        message: `row ${first + i}: ${'x'.repeat(40)}`,
      }));
    const floodStarted = Date.now();
    try {
      for (let first = 1; first <= totalLines; first += maxEventsPerRequest) {
        await flooder(postEvents, { params: { taskId: ref.taskId }, body: { attemptNumber: ref.attemptNumber, events: batch(first) } });
        if ((first - 1) % (10 * maxEventsPerRequest) === 0) await flooder(heartbeat, { body: { tasks: [ref], agent } });
      }
      // A batch delivered again, as a worker does when it did not hear the answer.
      await flooder(postEvents, { params: { taskId: ref.taskId }, body: { attemptNumber: ref.attemptNumber, events: batch(20_001) } });
    } finally {
      flooding = false;
      await Promise.all(steadyRuns);
    }
    const floodEnded = Date.now();
    await flooder(completeTask, { params: { taskId: ref.taskId }, body: { attemptNumber: ref.attemptNumber, outcome: 'succeeded', exitCode: 0 } });

    expect(completedAt.filter((time) => time >= floodStarted && time <= floodEnded).length).toBeGreaterThan(0);

    const catalog = new BetterSqlite3(master.catalogPath, { readonly: true });
    try {
      const stored = () => (catalog.prepare('SELECT count(*) AS n FROM event_messages WHERE task_id = ?').get(ref.taskId) as { n: number }).n;
      await until('every line to be drained', () => stored() >= totalLines, { timeoutMs: 180_000, intervalMs: 250 });
      expect(stored()).toBe(totalLines);
    } finally {
      catalog.close();
    }

    // Read back the way a user would, following the cursor.
    const sequence: number[] = [];
    let after = 0;
    for (;;) {
      const page = await master.admin(listExecutionEvents, { params: { executionId: flood.executionId }, query: { after, limit: 5000 } });
      if (page.events.length === 0) break;
      sequence.push(...page.events.map((e) => e.sequenceNumber));
      after = page.nextCursor;
    }
    expect(sequence.length).toBe(totalLines);
    if (!inOrder) sequence.sort((a, b) => a - b);
    expect(sequence.every((n, i) => n === i + 1)).toBe(true);
  }, 300_000);
});
