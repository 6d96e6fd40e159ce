import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { enableScaleOut } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { bellQueueName } from '../../functions/claims/doorbell.js';
import { startAzurite, type RunningAzurite } from '../../functions/local-host/azurite.js';
import { insertAdminKey } from '../support/shared-catalog-masters.js';
import { startChildMaster, type ChildMaster } from '../support/child-master.js';
import type { ManagementCaller } from '../support/test-master.js';
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
  let root: string;
  let azurite: RunningAzurite;
  let a: ChildMaster;
  let b: ChildMaster;
  let adminKey: string;
  let dying: AgentProcess;
  let survivor: AgentProcess;
  const marker = new ProcessMarker();
  const transports: NodeHttpsTransport[] = [];

  function admin(host: ChildMaster): ManagementCaller {
    const transport = new NodeHttpsTransport({ baseUrl: host.url, pinnedThumbprint: host.certificateThumbprint });
    transports.push(transport);
    return <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
      callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${adminKey}` } });
  }

  const asStoppable = (host: () => ChildMaster | undefined) => ({
    stop: () => host()?.stop(),
    output: () => host()?.output.join('\n') ?? '',
  });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'scaleout-two-hosts-dead-agent-'));
    azurite = await startAzurite(join(root, 'azurite'));
    const env = {
      SCALEOUT_CATALOG_SQLITE_PATH: join(root, 'catalog.sqlite'),
      SCALEOUT_KEY_FOLDER: join(root, 'keys'),
      AzureWebJobsStorage: azurite.connectionString,
      SCALEOUT_CLAIM_MAX_WAIT_MS: '0',
      ...marker.env,
    };
    // One after the other: the first creates the keys and certificate the second then reads.
    a = await startChildMaster(env);
    b = await startChildMaster(env);
    adminKey = await insertAdminKey(env.SCALEOUT_CATALOG_SQLITE_PATH);
    await admin(a)(enableScaleOut, {});
    await deployE2eProject(admin(a));
    const oneSlot = { maxTaskCount: 1 };
    dying = await AgentProcess.init(root, 'dies-on-a', { url: a.url, thumbprint: a.certificateThumbprint }, marker, oneSlot);
    survivor = await AgentProcess.init(root, 'survives-on-b', { url: b.url, thumbprint: b.certificateThumbprint }, marker, oneSlot);
    await dying.register(admin(a));
    await survivor.register(admin(b));
  }, 180_000);

  afterAll(async () => {
    for (const transport of transports) transport.close();
    await tearDownAndCheck({
      agents: [dying, survivor].filter((agent) => agent !== undefined),
      services: [asStoppable(() => a), asStoppable(() => b), azurite],
      marker,
      root,
    });
  }, 180_000);

  it('has its task leased again to the agent on host B within 30 s, which runs it to success', async () => {
    const out = join(root, 'out');
    mkdirSync(out, { recursive: true });
    const starts = (): string[] => (existsSync(join(out, 'starts.log')) ? readFileSync(join(out, 'starts.log'), 'utf8').trim().split('\n') : []);

    // Only the agent on A runs at first, so the first attempt is its.
    dying.start();
    const created = await startExecution(admin(b), 'once', { OutDir: out }, { retryCount: 1 });
    await until('attempt 1 to start on the agent of host A', () => starts().some((line) => line.startsWith('started attempt=1 ')), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const packagePid = Number(/pid=(\d+)/.exec(starts()[0]!)?.[1]);
    // Then the agent on B starts and goes idle, waiting for its doorbell.
    survivor.start();
    const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    await until('the agent on host B to get its doorbell', () => queues.getQueueClient(bellQueueName(survivor.workerAgentId)).exists(), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });

    const killedAt = Date.now();
    await dying.kill9();
    const running = await waitForExecution(admin(a), created.executionId, 'to lease attempt 2', (e) => e.attempts[1]?.state === 'running', 60_000);
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
    const ended = await waitForEnd(admin(b), created.executionId);
    expect(ended).toMatchObject({ statusName: 'succeeded', workerAgentId: survivor.workerAgentId });
  }, 240_000);
});
