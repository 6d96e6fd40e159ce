import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import {
  addWorker,
  createExecution,
  createSchedule,
  deployProject,
  enableScaleOut,
  enableWorker,
  removeSchedule,
  setWorkerProperties,
} from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { claimTasks } from '../../contracts/worker-protocol.js';
import { bellQueueName } from '../../functions/claims/doorbell.js';
import { startAzurite, type RunningAzurite } from '../../functions/local-host/azurite.js';
import { insertAdminKey } from '../support/shared-catalog-masters.js';
import { startChildMaster, type ChildMaster } from '../support/child-master.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { createWorkerIdentity, workerCaller } from '../support/test-worker.js';
import { until } from '../support/until.js';
import { AgentProcess } from '../worker-agent/e2e/support/agents.js';
import { ProcessMarker } from '../worker-agent/e2e/support/processes.js';

/** Never within a test run: the timer is off on that host. */
const everySecond = '* * * * * *';
/**
 * Well under what the worker would wait without its doorbell: a claim held 25 s on the one-box, a poll backed off
 * to 15-30 s in Azure. The doorbell is read every 1.5 s.
 */
const wakeWithinMs = 3000;

/**
 * Work made claimable on host B — a start, a retry re-queued by B's sweep, a schedule fired by B's timer — wakes an
 * idle worker agent (a real `scaleout-worker start` process) attached through host A, both on one catalog and one
 * Azurite. Once as on the one-box (claims held open on A, which listens to the doorbell meanwhile), once as in
 * Azure (no claim held: the agent reads its doorbell itself).
 */
describe.each([
  { hosting: 'one-box', claimMaxWaitMs: '25000' },
  { hosting: 'Azure-like', claimMaxWaitMs: '0' },
])('the doorbell across two hosts ($hosting: claims held up to $claimMaxWaitMs ms)', ({ claimMaxWaitMs }) => {
  let folder: string;
  let azurite: RunningAzurite;
  let a: ChildMaster;
  let b: ChildMaster;
  let adminKey: string;
  let agent: AgentProcess;
  let catalog: BetterSqlite3.Database;
  const marker = new ProcessMarker();
  const transports: NodeHttpsTransport[] = [];

  function admin(host: ChildMaster) {
    const transport = new NodeHttpsTransport({ baseUrl: host.url, pinnedThumbprint: host.certificateThumbprint });
    transports.push(transport);
    return <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
      callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${adminKey}` } });
  }

  /** How long the task of this attempt waited between becoming claimable and being claimed, and by whom. */
  async function claimOf(executionId: number, attemptNumber: number): Promise<{ waitedMs: number; workerAgentId: string }> {
    const row = () =>
      catalog
        .prepare('SELECT created_time, claimed_time, worker_agent_id FROM tasks WHERE execution_id = ? AND attempt_number = ?')
        .get(executionId, attemptNumber) as { created_time: number; claimed_time: number | null; worker_agent_id: string } | undefined;
    await until(`attempt ${attemptNumber} of execution ${executionId} to be claimed`, () => row()?.claimed_time != null, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const claimed = row()!;
    return { waitedMs: claimed.claimed_time! - claimed.created_time, workerAgentId: claimed.worker_agent_id };
  }

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-cross-instance-'));
    azurite = await startAzurite(join(folder, 'azurite'));
    const env = {
      SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'),
      SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
      AzureWebJobsStorage: azurite.connectionString,
      SCALEOUT_LEASE_MS: '3000',
      SCALEOUT_CLAIM_MAX_WAIT_MS: claimMaxWaitMs,
      ...marker.env,
    };
    // A reads alarms of its own: the lease check and the schedule armed on B run on B, and whatever they make
    // claimable must cross to A's worker.
    a = await startChildMaster({ ...env, SCALEOUT_ALARM_QUEUE_NAME: 'alarms-of-a' });
    b = await startChildMaster(env);
    adminKey = await insertAdminKey(env.SCALEOUT_CATALOG_SQLITE_PATH);
    catalog = new BetterSqlite3(env.SCALEOUT_CATALOG_SQLITE_PATH, { readonly: true });

    await admin(a)(enableScaleOut, {});
    await admin(a)(deployProject, { params: { folderName: 'F', projectName: 'P' }, body: await zipFiles(sampleProjectFiles()) });
    agent = await AgentProcess.init(folder, 'idle-on-a', { url: a.url, thumbprint: a.certificateThumbprint }, marker);
    await agent.register(admin(a));
    agent.start();
    // Its first heartbeat answer brought its ticket: the bell exists, and the agent goes idle.
    const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    await until('the agent to get its doorbell', async () => (await queues.getQueueClient(bellQueueName(agent.workerAgentId)).exists()), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
  }, 180_000);

  afterAll(async () => {
    catalog?.close();
    for (const transport of transports) transport.close();
    await agent?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await azurite?.stop();
    await marker.killAll();
    rmSync(folder, { recursive: true, force: true });
  }, 60_000);

  /** Long enough that, without a doorbell, the worker would be deep in a held claim or a backed-off poll. */
  const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('wakes it for an execution started on host B', async () => {
    await idle(4000);
    const { executionId } = await admin(b)(createExecution, { body: { folderName: 'F', projectName: 'P', packageName: 'load', start: true } });
    const claim = await claimOf(executionId, 1);
    expect(claim.workerAgentId).toBe(agent.workerAgentId);
    expect(claim.waitedMs).toBeLessThan(wakeWithinMs);
  }, 90_000);

  it('wakes it for a retry that the lease alarm on host B re-queued', async () => {
    // A's own lease alarm (armed when its worker took the last task) ends once no task runs: only B's judges this one.
    await idle(6000);
    // A worker on B that has the tag the execution needs takes the first attempt and dies with it (it never
    // heartbeats); the agent gets the tag only then, so the retry is its to take.
    const identity = await createWorkerIdentity('doomed-on-b');
    const { workerAgentId } = (await admin(b)(addWorker, { body: { certificate: identity.certPem, tags: ['retry'] } })).worker!;
    await admin(b)(enableWorker, { params: { workerAgentId } });
    const doomed = workerCaller(identity, b.url, b.certificateThumbprint);
    try {
      const { executionId } = await admin(b)(createExecution, {
        body: { folderName: 'F', projectName: 'P', packageName: 'load', requiredTags: ['retry'], retryCount: 1, start: true },
      });
      const first = await doomed(claimTasks, { body: { freeSlots: 1, waitMs: 0 } });
      expect(first.tasks.map((task) => task.executionId)).toEqual([executionId]);
      await admin(a)(setWorkerProperties, { params: { workerAgentId: agent.workerAgentId }, body: { tags: ['retry'] } });
      await idle(2000);

      const retry = await claimOf(executionId, 2);
      expect(retry.workerAgentId).toBe(agent.workerAgentId);
      expect(retry.waitedMs).toBeLessThan(wakeWithinMs);
      expect(b.output.some((line) => line.includes('lease expired'))).toBe(true);
    } finally {
      doomed.close();
    }
  }, 90_000);

  it('wakes it for a schedule that host B fired', async () => {
    await idle(4000);
    const schedule = await admin(b)(createSchedule, {
      body: { name: 'every second', folderName: 'F', projectName: 'P', packageName: 'load', cron: everySecond },
    });
    let executionId: number | undefined;
    try {
      await until('the schedule to fire', () => {
        const row = catalog.prepare('SELECT min(execution_id) AS id FROM executions WHERE schedule_id = ?').get(schedule.scheduleId) as {
          id: number | null;
        };
        executionId = row.id ?? undefined;
        return executionId !== undefined;
      }, { timeoutMs: 30_000, intervalMs: 50 });
    } finally {
      await admin(b)(removeSchedule, { params: { scheduleId: schedule.scheduleId } });
    }
    const claim = await claimOf(executionId!, 1);
    expect(claim.workerAgentId).toBe(agent.workerAgentId);
    expect(claim.waitedMs).toBeLessThan(wakeWithinMs);
  }, 90_000);
});
