import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, disableWorker, enableWorker, getWorker } from '../../contracts/management/endpoints.js';
import { heartbeat } from '../../contracts/worker-protocol.js';
import { BenchWorker } from '../../bench/bench-worker.js';
import { createWorkerIdentity } from '../../bench/worker-identity.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { workerCaller } from '../support/test-worker.js';

const agent = { agentVersion: '0.1.0', os: 'linux', machineName: 'idle', userAccount: 'svc' };

/** Item 4 of issue 11: an idle worker's heartbeats reach the catalog at most once per SCALEOUT_WORKER_ONLINE_WRITE_MS. */
describe('the heartbeat of an idle worker', () => {
  let master: TestMaster;
  let worker: BenchWorker;
  let workerAgentId: string;
  let identity: Awaited<ReturnType<typeof createWorkerIdentity>>;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    identity = await createWorkerIdentity('idle-heartbeat');
    workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    // Reuses its token, as the agent does: the token's check is cached, as is the online time.
    worker = new BenchWorker(identity, master.url, master.host.certificateThumbprint);
  }, 60_000);

  afterAll(async () => {
    worker?.close();
    await master?.stop();
  });

  it('writes the online time once, then answers from memory with no catalog statement', async () => {
    const first = await worker.call(heartbeat, { body: { tasks: [], agent } });
    expect(first.workerEnabled).toBe(true);
    const shown = await master.admin(getWorker, { params: { workerAgentId } });
    expect(shown.status).toBe('online');

    const before = master.host.services.catalogQueryCount;
    for (let i = 0; i < 5; i++) expect((await worker.call(heartbeat, { body: { tasks: [], agent } })).workerEnabled).toBe(true);
    expect(master.host.services.catalogQueryCount).toBe(before);
  });

  it('checks the new token an agent signs every few minutes without asking the catalog who it is', async () => {
    const freshTokens = workerCaller(identity, master.url, master.host.certificateThumbprint);
    try {
      const before = master.host.services.catalogQueryCount;
      for (let i = 0; i < 3; i++) expect((await freshTokens(heartbeat, { body: { tasks: [], agent } })).workerEnabled).toBe(true);
      expect(master.host.services.catalogQueryCount).toBe(before);
    } finally {
      freshTokens.close();
    }
  });

  it('still hears at once that an administrator disabled it on this instance', async () => {
    await master.admin(disableWorker, { params: { workerAgentId } });
    expect((await worker.call(heartbeat, { body: { tasks: [], agent } })).workerEnabled).toBe(false);
    await master.admin(enableWorker, { params: { workerAgentId } });
    expect((await worker.call(heartbeat, { body: { tasks: [], agent } })).workerEnabled).toBe(true);
  });

  it('shows a worker offline after twice the write interval by default', () => {
    const { workerOnlineWriteMs, workerOfflineAfterMs } = master.host.services.config;
    expect(workerOnlineWriteMs).toBe(300_000);
    expect(workerOfflineAfterMs).toBe(600_000);
  });
});
