import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorker,
  createExecution,
  deployProject,
  enableScaleOut,
  enableWorker,
  getMasterStatus,
  listPoisonMessages,
  redrivePoisonMessages,
} from '../../contracts/management/endpoints.js';
import { claimTasks, postEvents, type WorkerEvent } from '../../contracts/worker-protocol.js';
import { packEventBatches } from '../../functions/events/queued-events.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startSharedCatalogMasters, type SharedCatalogMasters } from '../support/shared-catalog-masters.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../support/test-worker.js';
import { until } from '../support/until.js';

const batches = 40;
const linesPerBatch = 25;

describe('the event queue trigger, on two masters over one catalog and one Azurite', () => {
  let masters: SharedCatalogMasters;
  const workers: (WorkerCaller & { close(): void })[] = [];

  beforeAll(async () => {
    // A failed message shows again at once, so that five tries take moments (host.json waits 30 s in Azure).
    masters = await startSharedCatalogMasters(2, { AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:00' });
  });

  afterAll(async () => {
    for (const worker of workers) worker.close();
    await masters?.stop();
  });

  it('stores every line exactly once while both drain, sets a bad message aside, and re-drives it', async () => {
    const [hostA, hostB] = masters.hosts as [(typeof masters.hosts)[0], (typeof masters.hosts)[0]];
    const [a, b] = [masters.admin(hostA), masters.admin(hostB)];
    await a(enableScaleOut, {});
    await a(deployProject, { params: { folderName: 'F', projectName: 'P' }, body: await zipFiles(sampleProjectFiles()) });
    const identity = await createWorkerIdentity('logger');
    const { workerAgentId } = (await a(addWorker, { body: { certificate: identity.certPem, tags: [] } })).worker!;
    await a(enableWorker, { params: { workerAgentId } });
    const onA = workerCaller(identity, hostA.url, hostA.certificateThumbprint);
    const onB = workerCaller(identity, hostB.url, hostB.certificateThumbprint);
    workers.push(onA, onB);
    const { executionId } = await b(createExecution, { body: { folderName: 'F', projectName: 'P', packageName: 'load', start: true } });
    const [task] = (await onA(claimTasks, { body: { freeSlots: 1, waitMs: 5000 } })).tasks;
    expect(task?.executionId).toBe(executionId);

    // A message no master wrote: its trigger fails on every delivery.
    const events = masters.queue('scaleout-events');
    await events.send('{"not":"an event batch"}');

    // Lines through both hosts, every third batch sent twice (a worker that did not hear the answer).
    const batch = (n: number): WorkerEvent[] =>
      Array.from({ length: linesPerBatch }, (_, i) => ({
        sequenceNumber: n * linesPerBatch + i + 1,
        time: new Date().toISOString(),
        type: 'information',
        source: 'stdout',
        message: `batch ${n} line ${i + 1}`,
      }));
    await Promise.all(
      Array.from({ length: batches }, async (_, n) => {
        const call = n % 2 === 0 ? onA : onB;
        const body = { attemptNumber: task!.attemptNumber, events: batch(n) };
        await call(postEvents, { params: { taskId: task!.taskId }, body });
        if (n % 3 === 0) await call(postEvents, { params: { taskId: task!.taskId }, body });
      }),
    );

    const catalog = new BetterSqlite3(masters.catalogPath, { readonly: true });
    try {
      const stored = (): { n: number; lines: number } =>
        catalog.prepare('SELECT count(*) AS n, count(DISTINCT sequence_number) AS lines FROM event_messages WHERE task_id = ?').get(task!.taskId) as {
          n: number;
          lines: number;
        };
      await until('every line to be stored', () => stored().n >= batches * linesPerBatch, { timeoutMs: 60_000, intervalMs: 100 });
      // Whichever host took a message, and however often it came, each line is stored once.
      expect(stored()).toEqual({ n: batches * linesPerBatch, lines: batches * linesPerBatch });

      const poisoned = await until('the bad message to be set aside', async () => {
        const { queues } = await b(listPoisonMessages, {});
        const queue = queues.find((q) => q.queue === 'scaleout-events');
        return queue && queue.count === 1 && queue;
      });
      expect(poisoned.messages.map((m) => m.preview)).toEqual(['{"not":"an event batch"}']);
      expect((await a(getMasterStatus, {})).poisonMessages).toBe(1);
      const setAside = masters.hosts.flatMap((host) => host.output.filter((line) => line.includes('moved to scaleout-events-poison after 5 tries')));
      expect(setAside).toHaveLength(1);

      // A good batch that failed while the catalog was away waits in the poison queue too; re-driven, it is stored.
      const late = batch(batches).map((event) => ({ ...event, message: `late ${event.sequenceNumber}` }));
      const poisonQueue = masters.queue('scaleout-events-poison');
      const [lateMessage] = packEventBatches(executionId, task!.taskId, late);
      await poisonQueue.send(lateMessage!);
      const redriven = await a(redrivePoisonMessages, {});
      expect(redriven.queues.find((q) => q.queue === 'scaleout-events')?.redriven).toBe(2);
      await until('the re-driven batch to be stored', () => stored().n === (batches + 1) * linesPerBatch, { timeoutMs: 30_000, intervalMs: 100 });
      // The bad one failed five more times and is back in the poison queue, alone.
      await until('the bad message to be set aside again', async () => (await b(getMasterStatus, {})).poisonMessages === 1);
      expect(stored()).toEqual({ n: (batches + 1) * linesPerBatch, lines: (batches + 1) * linesPerBatch });
      for (const host of masters.hosts) expect(host.output.filter((line) => / error /.test(line))).toEqual([]);
    } finally {
      catalog.close();
    }
  }, 180_000);
});
