import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, createExecution, deployProject, enableScaleOut, enableWorker } from '../../contracts/management/endpoints.js';
import { takeRings } from '../../contracts/doorbell.js';
import { claimTasks, heartbeat } from '../../contracts/worker-protocol.js';
import { BenchWorker } from '../../bench/bench-worker.js';
import { createWorkerIdentity } from '../../bench/worker-identity.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { until } from '../support/until.js';

const agent = { agentVersion: '0.1.0', os: 'linux', machineName: 'bells', userAccount: 'svc' };

/**
 * On the one-box the master holds claims open and wakes them itself: a start rings only the doorbells of the idle
 * workers it does not hold a claim for (another host's, or a worker reading its bell itself), so the workers it
 * serves cost no storage request per start, and no claim for nothing when their next held claim would hear it.
 */
describe('the doorbells a start on the one-box rings', () => {
  let master: TestMaster;
  const workers: { worker: BenchWorker; bell: QueueClient }[] = [];

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'Warehouse' }, body: await zipFiles(sampleProjectFiles()) });
    for (const name of ['held-here', 'reads-its-bell']) {
      const identity = await createWorkerIdentity(name);
      const { workerAgentId } = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!;
      await master.admin(enableWorker, { params: { workerAgentId } });
      const worker = new BenchWorker(identity, master.url, master.host.certificateThumbprint);
      const { doorbell } = await worker.call(heartbeat, { body: { tasks: [], agent } });
      workers.push({ worker, bell: new QueueClient(doorbell!.queueUrl) });
    }
  }, 60_000);

  afterAll(async () => {
    for (const { worker } of workers) worker.close();
    await master?.stop();
  });

  it("wakes the claim it holds without ringing that worker's bell, and rings the bell of the worker it holds none for", async () => {
    const [heldHere, readsItsBell] = workers as [(typeof workers)[0], (typeof workers)[0]];
    // Enabling the second worker rang the first one's bell: that ring is not what this test looks for.
    for (const { bell } of workers) await takeRings(bell);
    const claim = heldHere.worker.call(claimTasks, { body: { freeSlots: 1, waitMs: 20_000 } });
    await until('the claim to wait', () => master.host.services.workSignal.waiting === 1);

    const started = Date.now();
    const execution = await master.admin(createExecution, {
      body: { folderName: 'Finance', projectName: 'Warehouse', packageName: 'load', start: true },
    });
    const { tasks } = await claim;
    expect(tasks.map((task) => task.executionId)).toEqual([execution.executionId]);
    expect(Date.now() - started).toBeLessThan(5000);

    const rings = async (bell: QueueClient) => (await bell.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;
    await until('the other worker\u2019s bell to ring', async () => (await rings(readsItsBell.bell)) > 0);
    // Both bells would have rung in the one fan-out that rang the other: the held worker's has nothing.
    expect(await rings(heldHere.bell)).toBe(0);
  });
});
