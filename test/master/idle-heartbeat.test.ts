import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, disableWorker, enableWorker, getWorker } from '../../contracts/management/endpoints.js';
import { heartbeat } from '../../contracts/worker-protocol.js';
import { BenchWorker } from '../../bench/bench-worker.js';
import { createWorkerIdentity } from '../../bench/worker-identity.js';
import { azureIdleHeartbeatMs } from '../../functions/config/master-config.js';
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

  it('shows a worker offline after twice the write interval by default, and leaves the idle cadence to the worker on one machine', async () => {
    const { workerOnlineWriteMs, workerOfflineAfterMs, workerIdleHeartbeatMs } = master.host.services.config;
    expect(workerOnlineWriteMs).toBe(300_000);
    expect(workerOfflineAfterMs).toBe(600_000);
    expect(workerIdleHeartbeatMs).toBeNull();
    expect((await worker.call(heartbeat, { body: { tasks: [], agent } })).idleHeartbeatMs).toBeUndefined();
  });
});

/** In Azure each idle heartbeat is a billed second: the master asks idle workers with a doorbell to beat every 10 min. */
describe("the idle heartbeat's cadence with Azure's setting", () => {
  let master: TestMaster;
  let worker: BenchWorker;
  let workerAgentId: string;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false, env: { SCALEOUT_WORKER_IDLE_HEARTBEAT_MS: String(azureIdleHeartbeatMs) } });
    const identity = await createWorkerIdentity('idle-cadence');
    workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker = new BenchWorker(identity, master.url, master.host.certificateThumbprint);
  }, 60_000);

  afterAll(async () => {
    worker?.close();
    await master?.stop();
  });

  it('asks an enabled worker to beat every 10 min when idle, and shows it offline only after twice that', async () => {
    const answer = await worker.call(heartbeat, { body: { tasks: [], agent } });
    expect(answer.doorbell).toBeDefined();
    expect(answer.idleHeartbeatMs).toBe(600_000);
    // The answer from memory says the same.
    expect((await worker.call(heartbeat, { body: { tasks: [], agent } })).idleHeartbeatMs).toBe(600_000);
    expect(master.host.services.config.workerOfflineAfterMs).toBe(1_200_000);
  });

  it('asks nothing of a disabled worker, which keeps beating at its own interval and so hears soon that it is enabled again', async () => {
    await master.admin(disableWorker, { params: { workerAgentId } });
    const answer = await worker.call(heartbeat, { body: { tasks: [], agent } });
    expect(answer.workerEnabled).toBe(false);
    expect(answer.idleHeartbeatMs).toBeUndefined();
  });
});

/**
 * Azure's shape, sped up: the worker beats less often than the online write is due, so every idle heartbeat
 * reaches the catalog. Each costs the catalog one statement, the online write, and nothing else: no BEGIN and
 * COMMIT around it, no lookup of the worker's certificate for the new token it signed meanwhile.
 */
describe('an idle heartbeat that is due to reach the catalog', () => {
  const onlineWriteMs = 1000;
  let master: TestMaster;
  let workerAgentId: string;
  let freshTokens: ReturnType<typeof workerCaller>;

  beforeAll(async () => {
    master = await startTestMaster({
      timers: false,
      env: { SCALEOUT_WORKER_ONLINE_WRITE_MS: String(onlineWriteMs), SCALEOUT_WORKER_IDLE_HEARTBEAT_MS: String(3 * onlineWriteMs) },
    });
    const identity = await createWorkerIdentity('idle-due');
    workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    freshTokens = workerCaller(identity, master.url, master.host.certificateThumbprint);
    await freshTokens(heartbeat, { body: { tasks: [], agent } });
  }, 60_000);

  afterAll(async () => {
    freshTokens?.close();
    await master?.stop();
  });

  it('costs the catalog one statement, the online write, however long since the last', async () => {
    for (const waitedMs of [1.5 * onlineWriteMs, 2.5 * onlineWriteMs]) {
      await delay(waitedMs);
      const before = master.host.services.catalogQueryCount;
      expect((await freshTokens(heartbeat, { body: { tasks: [], agent } })).workerEnabled).toBe(true);
      expect(master.host.services.catalogQueryCount - before).toBe(1);
      expect((await master.admin(getWorker, { params: { workerAgentId } })).status).toBe('online');
    }
  });
});
