import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { addWorker, createExecution, deployProject, enableScaleOut, enableWorker } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { claimTasks, postEvents, type WorkerEvent } from '../../contracts/worker-protocol.js';
import { startChildMaster, type ChildMaster } from '../support/child-master.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { adminCaller, insertAdminKey } from '../support/shared-catalog-masters.js';
import { createWorkerIdentity, workerCaller } from '../support/test-worker.js';

const linesPerBatch = 20;
const senders = 8;
/** Batches answered 202 before the master is killed, right after one of those answers. */
const acceptedBeforeKill = 150;

describe('the one-box master killed with SIGKILL while event lines arrive', () => {
  const folder = mkdtempSync(join(tmpdir(), 'scaleout-durable-events-'));
  // No storage connection: the master starts its own Azurite, as `npm start` does.
  const env = { SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'), SCALEOUT_KEY_FOLDER: join(folder, 'keys') };
  const closers: { close(): void }[] = [];
  const masters: ChildMaster[] = [];

  afterAll(async () => {
    for (const closer of closers) closer.close();
    for (const master of masters) await master.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('stores every line it answered 202 for, exactly once, after a restart', async () => {
    const first = await startChildMaster(env);
    masters.push(first);
    const transport = new NodeHttpsTransport({ baseUrl: first.url, pinnedThumbprint: first.certificateThumbprint });
    closers.push(transport);
    const admin = adminCaller(transport, await insertAdminKey(env.SCALEOUT_CATALOG_SQLITE_PATH));
    await admin(enableScaleOut, {});
    await admin(deployProject, { params: { folderName: 'F', projectName: 'P' }, body: await zipFiles(sampleProjectFiles()) });
    const identity = await createWorkerIdentity('durable');
    const { workerAgentId } = (await admin(addWorker, { body: { certificate: identity.certPem, tags: [] } })).worker!;
    await admin(enableWorker, { params: { workerAgentId } });
    await admin(createExecution, { body: { folderName: 'F', projectName: 'P', packageName: 'load', start: true } });
    const worker = workerCaller(identity, first.url, first.certificateThumbprint);
    closers.push(worker);
    const [task] = (await worker(claimTasks, { body: { freeSlots: 1, waitMs: 5000 } })).tasks;
    expect(task).toBeDefined();

    // Senders post batches until the master dies; the kill comes right after the 150th 202.
    const accepted = new Set<number>();
    let acceptedBatches = 0;
    let next = 0;
    let killing: Promise<void> | undefined;
    const send = async (): Promise<void> => {
      while (!killing) {
        const n = next++;
        const events: WorkerEvent[] = Array.from({ length: linesPerBatch }, (_, i) => ({
          sequenceNumber: n * linesPerBatch + i + 1,
          time: new Date().toISOString(),
          type: 'information',
          source: 'stdout',
          message: `batch ${n} line ${i + 1}`,
        }));
        try {
          await worker(postEvents, { params: { taskId: task!.taskId }, body: { attemptNumber: task!.attemptNumber, events } });
        } catch {
          return; // the master died under this request: not accepted, the worker would send it again
        }
        for (const event of events) accepted.add(event.sequenceNumber);
        if (++acceptedBatches === acceptedBeforeKill) killing = first.kill();
      }
    };
    await Promise.all(Array.from({ length: senders }, send));
    await killing;
    expect(accepted.size).toBeGreaterThanOrEqual(acceptedBeforeKill * linesPerBatch);

    masters.push(await startChildMaster(env));
    const catalog = new BetterSqlite3(env.SCALEOUT_CATALOG_SQLITE_PATH, { readonly: true });
    try {
      const rows = catalog.prepare('SELECT sequence_number AS seq FROM event_messages WHERE task_id = ?').all(task!.taskId) as { seq: number }[];
      const stored = rows.map((row) => row.seq);
      expect(new Set(stored).size).toBe(stored.length);
      expect([...accepted].filter((seq) => !stored.includes(seq))).toEqual([]);
    } finally {
      catalog.close();
    }
  }, 120_000);
});
