import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableScaleOut } from '../../contracts/management/endpoints.js';
import { bellQueueName } from '../../functions/claims/doorbell.js';
import type { ChildMaster } from '../support/child-master.js';
import { startSharedCatalogMasters, type SharedCatalogMasters } from '../support/shared-catalog-masters.js';
import { until } from '../support/until.js';
import { AgentProcess } from '../worker-agent/e2e/support/agents.js';
import { deployE2eProject, startExecution, waitForEnd, waitForExecution } from '../worker-agent/e2e/support/executions.js';
import { ProcessMarker, tearDownAndCheck } from '../worker-agent/e2e/support/processes.js';
import { isRunning } from '../worker-agent/support/processes.js';

/** Issue 11: a dead worker's lease is noticed, and its task leased again, within this, with the alarms in place of the sweeps. */
const reLeasedWithinMs = 30_000;

/**
 * A real agent attached through host A dies (SIGKILL) in the middle of a task; host A and host B share one SQLite
 * catalog and one Azurite, with Azure's claim setting (no claim held: idle workers wait for their doorbell) and the
 * default 20 s lease. The lease alarm, on whichever host reads it, re-queues the task, and the idle agent attached
 * through host B takes it within 30 s of the death and runs it to success.
 */
describe('an agent that dies on host A while host B serves another', () => {
  let shared: SharedCatalogMasters;
  let a: ChildMaster;
  let b: ChildMaster;
  let dying: AgentProcess;
  let survivor: AgentProcess;
  const marker = new ProcessMarker();

  beforeAll(async () => {
    shared = await startSharedCatalogMasters(2, { SCALEOUT_CLAIM_MAX_WAIT_MS: '0', ...marker.env });
    [a, b] = shared.hosts as [ChildMaster, ChildMaster];
    await shared.admin(a)(enableScaleOut, {});
    await deployE2eProject(shared.admin(a));
    const oneSlot = { maxTaskCount: 1 };
    dying = await AgentProcess.init(shared.folder, 'dies-on-a', { url: a.url, thumbprint: a.certificateThumbprint }, marker, oneSlot);
    survivor = await AgentProcess.init(shared.folder, 'survives-on-b', { url: b.url, thumbprint: b.certificateThumbprint }, marker, oneSlot);
    await dying.register(shared.admin(a));
    await survivor.register(shared.admin(b));
  }, 180_000);

  afterAll(async () => {
    const masters = { stop: () => shared?.stop(), output: () => (shared?.hosts ?? []).flatMap((host) => host.output).join('\n') };
    await tearDownAndCheck({ agents: [dying, survivor].filter((agent) => agent !== undefined), services: [masters], marker, root: shared.folder });
  }, 180_000);

  it('has its task leased again to the agent on host B within 30 s, which runs it to success', async () => {
    const out = join(shared.folder, 'out');
    mkdirSync(out, { recursive: true });
    const starts = (): string[] => (existsSync(join(out, 'starts.log')) ? readFileSync(join(out, 'starts.log'), 'utf8').trim().split('\n') : []);

    // Only the agent on A runs at first, so the first attempt is its.
    dying.start();
    const created = await startExecution(shared.admin(b), 'once', { OutDir: out }, { retryCount: 1 });
    await until('attempt 1 to start on the agent of host A', () => starts().some((line) => line.startsWith('started attempt=1 ')), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const packagePid = Number(/pid=(\d+)/.exec(starts()[0]!)?.[1]);
    // Then the agent on B starts and goes idle, waiting for its doorbell.
    survivor.start();
    const queues = QueueServiceClient.fromConnectionString(shared.azurite.connectionString);
    await until('the agent on host B to get its doorbell', () => queues.getQueueClient(bellQueueName(survivor.workerAgentId)).exists(), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });

    const killedAt = Date.now();
    await dying.kill9();
    const running = await waitForExecution(shared.admin(a), created.executionId, 'to lease attempt 2', (e) => e.attempts[1]?.state === 'running', 60_000);
    const reLeasedMs = Date.parse(running.attempts[1]!.claimedTime!) - killedAt;
    console.log(`attempt 2 leased through host B ${reLeasedMs} ms after the agent on host A died (lease 20 s)`);
    expect(reLeasedMs).toBeLessThanOrEqual(reLeasedWithinMs);
    expect(running.attempts).toMatchObject([
      { attemptNumber: 1, state: 'lost', workerAgentId: dying.workerAgentId },
      { attemptNumber: 2, state: 'running', workerAgentId: survivor.workerAgentId },
    ]);
    expect(running.attempts[0]!.resultMessage).toMatch(/^lease expired: no heartbeat from worker /);

    // The dead agent's package is an orphan nobody watches (its agent's next start would kill it): gone with it.
    process.kill(packagePid, 'SIGKILL');
    await until('the orphaned package to be gone', () => !isRunning(packagePid), { timeoutMs: 10_000, intervalMs: 100 });
    writeFileSync(join(out, 'go'), '');
    const ended = await waitForEnd(shared.admin(b), created.executionId);
    expect(ended).toMatchObject({ statusName: 'succeeded', workerAgentId: survivor.workerAgentId });
  }, 240_000);
});
