import { expect } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/catalog/errors.js';
import { admin, claimOne, readyTopology, readyWorker, startExtract, thumbprints, type Scenario } from './fixtures.js';

export const masterAndWorkerScenarios: Record<string, Scenario> = {
  'a new catalog has Scale Out disabled until it is enabled, and the change is audited': async ({ catalog }) => {
    expect(await catalog.getMasterProperties()).toEqual({
      isScaleOutEnabled: false,
      masterAddress: null,
      lastOnlineTime: null,
      version: null,
    });
    await catalog.enableScaleOut(admin);
    expect((await catalog.getMasterProperties()).isScaleOutEnabled).toBe(true);
    const { items } = await catalog.listAuditTrail({ limit: 10, offset: 0 });
    expect(items.map((entry) => [entry.actor, entry.action])).toEqual([[admin, 'enable-scaleout']]);
  },

  'the Scale Out state a waiting reason reads holds the flag with no worker and with workers, and the workers as listed': async ({
    catalog,
  }) => {
    expect(await catalog.getScaleOutState()).toEqual({ isScaleOutEnabled: false, workers: [] });
    await catalog.addWorkerAgent({ machineName: 'ETL-02', tags: ['gpu'], certificate: thumbprints() }, admin);
    await catalog.addWorkerAgent({ machineName: 'ETL-01', certificate: thumbprints() }, admin);
    // Each worker as listed, as far as a waiting reason reads it.
    const availability = (await catalog.listWorkerAgents()).map((w) => ({
      workerAgentId: w.workerAgentId,
      displayName: w.displayName,
      tags: w.tags,
      isEnabled: w.isEnabled,
      lastOnlineTime: w.lastOnlineTime,
      leaseExpiredTime: w.leaseExpiredTime,
      maxTaskCount: w.maxTaskCount,
      runningTaskCount: w.runningTaskCount,
    }));
    expect(await catalog.getScaleOutState()).toEqual({ isScaleOutEnabled: false, workers: availability });
    await catalog.enableScaleOut(admin);
    const state = await catalog.getScaleOutState();
    expect(state.isScaleOutEnabled).toBe(true);
    expect(state.workers.map((w) => [w.displayName, w.tags])).toEqual([
      ['ETL-01', []],
      ['ETL-02', ['gpu']],
    ]);
  },

  'the master heartbeat records its last online time, address and version; cleanup keeps SSISDB defaults': async ({
    catalog,
    clock,
  }) => {
    await catalog.recordMasterHeartbeat({ masterAddress: 'https://localhost:8391', version: '0.1.0' });
    clock.advance(30_000);
    await catalog.recordMasterHeartbeat({ masterAddress: 'https://localhost:8391', version: '0.1.0' });
    expect(await catalog.getMasterProperties()).toMatchObject({
      masterAddress: 'https://localhost:8391',
      version: '0.1.0',
      lastOnlineTime: clock.now(),
    });
    expect(await catalog.getCleanupSettings()).toEqual({ retentionWindowDays: 365, cleanupEnabled: true });
  },

  'a worker is added disabled, named after its machine, with normalised thumbprints': async ({ catalog, clock }) => {
    const worker = await catalog.addWorkerAgent(
      {
        machineName: 'ETL-01',
        description: 'rack 4',
        tags: ['sql', 'SQL', 'gpu'],
        certificate: { thumbprintSha1: 'AB:CD:' + 'ef'.repeat(18), thumbprintSha256: 'F'.repeat(64) },
      },
      admin,
    );
    expect(worker).toMatchObject({
      machineName: 'ETL-01',
      displayName: 'ETL-01',
      description: 'rack 4',
      tags: ['gpu', 'sql'],
      isEnabled: false,
      maxTaskCount: 10,
      certThumbprintSha1: 'abcd' + 'ef'.repeat(18),
      certThumbprintSha256: 'f'.repeat(64),
      createdTime: clock.now(),
      runningTaskCount: 0,
      lastOnlineTime: null,
    });
    expect(worker.workerAgentId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await catalog.findWorkerAgentByThumbprint('F'.repeat(64)))?.workerAgentId).toBe(worker.workerAgentId);
    expect((await catalog.findWorkerAgentByThumbprint('ab cd' + 'EF'.repeat(18)))?.workerAgentId).toBe(worker.workerAgentId);
    expect(await catalog.findWorkerAgentByThumbprint('0'.repeat(64))).toBeUndefined();
  },

  'adding a worker whose certificate is already registered is refused and changes nothing': async ({ catalog }) => {
    const certificate = thumbprints();
    const first = await catalog.addWorkerAgent({ machineName: 'a', certificate }, admin);
    await expect(
      catalog.addWorkerAgent({ machineName: 'b', certificate: { thumbprintSha256: certificate.thumbprintSha256 } }, admin),
    ).rejects.toThrow(ConflictError);
    await expect(catalog.addWorkerAgent({ machineName: 'c', certificate: {} }, admin)).rejects.toThrow(ValidationError);
    expect((await catalog.listWorkerAgents()).map((w) => w.workerAgentId)).toEqual([first.workerAgentId]);
  },

  'enable, disable and set properties of a worker; unknown workers are not found': async ({ catalog }) => {
    const worker = await catalog.addWorkerAgent({ machineName: 'host', certificate: thumbprints() }, admin);
    expect((await catalog.enableWorkerAgent(worker.workerAgentId, admin)).isEnabled).toBe(true);
    expect((await catalog.disableWorkerAgent(worker.workerAgentId, admin)).isEnabled).toBe(false);
    const changed = await catalog.setWorkerAgentProperty(
      worker.workerAgentId,
      { displayName: 'Nightly loads', description: 'warehouse side', tags: ['Warehouse', 'linux'], maxTaskCount: 4 },
      admin,
    );
    expect(changed).toMatchObject({
      displayName: 'Nightly loads',
      description: 'warehouse side',
      tags: ['linux', 'Warehouse'],
      maxTaskCount: 4,
    });
    expect((await catalog.setWorkerAgentProperty(worker.workerAgentId, { tags: [] }, admin)).tags).toEqual([]);
    await expect(catalog.enableWorkerAgent('missing', admin)).rejects.toThrow(NotFoundError);
    await expect(catalog.setWorkerAgentProperty('missing', { description: 'x' }, admin)).rejects.toThrow(NotFoundError);
    await expect(catalog.getWorkerAgent('missing')).rejects.toThrow(NotFoundError);
    const actions = (await catalog.listAuditTrail({ limit: 10, offset: 0 })).items.map((e) => e.action);
    expect(actions).toEqual([
      'set-worker-agent-property',
      'set-worker-agent-property',
      'disable-worker-agent',
      'enable-worker-agent',
      'add-worker-agent',
    ]);
  },

  'a worker registered by thumbprint keeps the certificate it first presents': async ({ catalog, clock }) => {
    const { thumbprintSha1 } = thumbprints();
    const worker = await catalog.addWorkerAgent({ machineName: 'legacy', certificate: { thumbprintSha1 } }, admin);
    const sha256 = 'a'.repeat(64);
    await catalog.recordWorkerAgentInfo(worker.workerAgentId, {
      agentVersion: '0.1.0',
      os: 'linux x64',
      userAccount: 'svc-ssis',
      certificate: { pem: '-----BEGIN CERTIFICATE-----', notAfter: clock.now() + 1000, thumbprintSha1, thumbprintSha256: sha256 },
    });
    expect(await catalog.findWorkerAgentByThumbprint(sha256)).toMatchObject({
      workerAgentId: worker.workerAgentId,
      certPem: '-----BEGIN CERTIFICATE-----',
      certNotAfter: clock.now() + 1000,
      agentVersion: '0.1.0',
      os: 'linux x64',
      userAccount: 'svc-ssis',
      lastOnlineTime: clock.now(),
    });
  },

  'removing a worker releases its running task to another worker': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog, { retryCount: 1 });
    const task = await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.removeWorkerAgent(worker.workerAgentId, admin);
    await expect(h.catalog.getWorkerAgent(worker.workerAgentId)).rejects.toThrow(NotFoundError);
    await expect(h.catalog.removeWorkerAgent(worker.workerAgentId, admin)).rejects.toThrow(NotFoundError);
    const tasks = (await h.catalog.getExecution(execution.executionId)).attempts;
    expect(tasks.map((t) => [t.attemptNumber, t.state])).toEqual([
      [1, 'lost'],
      [2, 'pending'],
    ]);
    expect(tasks[0]?.resultMessage).toContain('was removed');
    const other = await readyWorker(h.catalog, 'node-b');
    const retry = await claimOne(h.catalog, other.workerAgentId);
    expect([retry.executionId, retry.attemptNumber]).toEqual([task.executionId, 2]);
  },

  'a removed worker\'s attempts keep its display name; a worker still there shows its current one': async (h) => {
    const { worker } = await readyTopology(h);
    await h.catalog.setWorkerAgentProperty(worker.workerAgentId, { displayName: 'Finance node A' }, admin);
    const done = await startExtract(h.catalog);
    const doneTask = await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.completeTask(worker.workerAgentId, { taskId: doneTask.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 });
    const other = await readyWorker(h.catalog, 'node-b');
    const running = await startExtract(h.catalog, { allowedWorkerIds: [other.workerAgentId] });
    await claimOne(h.catalog, other.workerAgentId);
    await h.catalog.setWorkerAgentProperty(other.workerAgentId, { displayName: 'node B renamed' }, admin);

    await h.catalog.removeWorkerAgent(worker.workerAgentId, admin);
    const attempt = (await h.catalog.getExecution(done.executionId)).attempts[0]!;
    expect([attempt.workerAgentId, attempt.workerDisplayName]).toEqual([worker.workerAgentId, 'Finance node A']);
    expect((await h.catalog.getTask(doneTask.taskId)).workerDisplayName).toBe('Finance node A');
    const listed = (await h.catalog.listExecutions({}, { offset: 0, limit: 10 })).items;
    const names = listed.map((e) => [e.executionId, e.workerDisplayName]);
    expect(names).toEqual([
      [running.executionId, 'node B renamed'],
      [done.executionId, 'Finance node A'],
    ]);
    expect((await h.catalog.getExecution(running.executionId)).workerDisplayName).toBe('node B renamed');
  },
};
