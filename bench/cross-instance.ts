import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { QueueServiceClient } from '@azure/storage-queue';
import BetterSqlite3 from 'better-sqlite3';
import { callEndpoint } from '../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../contracts/endpoint.js';
import {
  addWorker,
  createExecution,
  createSchedule,
  deployProject,
  enableScaleOut,
  enableWorker,
  removeSchedule,
  setWorkerProperties,
} from '../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../contracts/node-https-transport.js';
import { claimTasks } from '../contracts/worker-protocol.js';
import { generateApiKey } from '../functions/auth/api-keys.js';
import { createCatalog } from '../functions/catalog/create-catalog.js';
import { SqliteEngine } from '../functions/catalog/sqlite/engine.js';
import { AesGcmValueCipher } from '../functions/catalog/value-cipher.js';
import { bellQueueName } from '../functions/claims/doorbell.js';
import { startAzurite } from '../functions/local-host/azurite.js';
import { startChildMaster, type ChildMaster } from '../test/support/child-master.js';
import { sampleProjectFiles, zipFiles } from '../test/support/project-zip.js';
import { workerCaller } from '../test/support/test-worker.js';
import { until } from '../test/support/until.js';
import { AgentProcess } from '../test/worker-agent/e2e/support/agents.js';
import { percentile } from './percentile.js';
import { createWorkerIdentity } from './worker-identity.js';

/**
 * `npm run bench:cross-instance [-- --workers K --samples N --idle-minutes M]`: how fast work made claimable on
 * one instance of the master reaches an idle worker attached to another. Two local hosts (A and B, processes of
 * their own) over one SQLite catalog and one Azurite, with Azure's claim setting (no claim held open); K real
 * worker agents (`scaleout-worker start`, default 3) attached to A, idle, waiting for their doorbells. Only B reads
 * the alarms armed on B (A has an alarm queue of its own), so every path crosses from B to A:
 * - httpOtherInstance: an execution started through B;
 * - retry: a worker on B claims an attempt and dies with it; B's lease alarm re-queues the retry;
 * - schedule: a schedule created on B fires through B's schedule alarm;
 * - firstAfterIdle: an execution started through B after the fleet sat idle M minutes (default 10).
 * Each figure is the time from the task becoming claimable to its claim, both as the catalog recorded them (one
 * clock). N samples a path (default 30), each after a random idle pause, so the doorbell's read times are not in
 * step with the starts. The last line is one JSON object.
 */
const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '3' },
    samples: { type: 'string', default: '30' },
    'idle-minutes': { type: 'string', default: '10' },
  },
});
const workerCount = wholeNumber(values.workers, '--workers');
const samples = wholeNumber(values.samples, '--samples');
const idleMinutes = Number(values['idle-minutes']);
if (!Number.isFinite(idleMinutes) || idleMinutes < 0) throw new Error(`--idle-minutes must be a number ≥ 0, not '${values['idle-minutes']}'`);

const folder = mkdtempSync(join(tmpdir(), 'scaleout-bench-cross-instance-'));
const azurite = await startAzurite(join(folder, 'azurite'));
const hosts: ChildMaster[] = [];
const agents: AgentProcess[] = [];
const transports: NodeHttpsTransport[] = [];
let catalog: BetterSqlite3.Database | undefined;

try {
  const env = {
    SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'),
    SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
    AzureWebJobsStorage: azurite.connectionString,
    // Azure's setting: an empty claim answers at once; idle workers wait for their doorbell.
    SCALEOUT_CLAIM_MAX_WAIT_MS: '0',
    SCALEOUT_LEASE_MS: '3000',
  };
  // A reads alarms of its own: B's lease checks and schedule alarms run on B.
  const a = await startChildMaster({ ...env, SCALEOUT_ALARM_QUEUE_NAME: 'alarms-of-a' });
  hosts.push(a);
  const b = await startChildMaster(env);
  hosts.push(b);
  const adminKey = await insertAdminKey(env.SCALEOUT_CATALOG_SQLITE_PATH);
  const admin = (host: ChildMaster) => {
    const transport = new NodeHttpsTransport({ baseUrl: host.url, pinnedThumbprint: host.certificateThumbprint });
    transports.push(transport);
    return <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
      callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${adminKey}` } });
  };
  const [onA, onB] = [admin(a), admin(b)];
  const readCatalog = new BetterSqlite3(env.SCALEOUT_CATALOG_SQLITE_PATH, { readonly: true });
  catalog = readCatalog;

  await onA(enableScaleOut, {});
  await onA(deployProject, { params: { folderName: 'Bench', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  for (let i = 0; i < workerCount; i++) {
    const agent = await AgentProcess.init(folder, `idle-on-a-${i}`, { url: a.url, thumbprint: a.certificateThumbprint }, { env: {} }, {
      settings: { AgentHeartbeatInterval: '00:01:00' },
    });
    await agent.register(onA);
    agent.start();
    agents.push(agent);
  }
  for (const agent of agents) {
    await until(`agent ${agent.name} to get its doorbell`, () => queues.getQueueClient(bellQueueName(agent.workerAgentId)).exists(), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
  }
  console.log(`hosts A ${a.url} and B ${b.url} over one catalog and one Azurite; ${workerCount} idle agents on A; ${samples} samples a path`);

  /** How long the task of this attempt waited between becoming claimable and its claim. */
  const claimWait = async (executionId: number, attemptNumber: number): Promise<number> => {
    const statement = readCatalog.prepare('SELECT created_time, claimed_time FROM tasks WHERE execution_id = ? AND attempt_number = ?');
    const row = await until(
      `attempt ${attemptNumber} of execution ${executionId} to be claimed`,
      () => {
        const found = statement.get(executionId, attemptNumber) as { created_time: number; claimed_time: number | null } | undefined;
        return found?.claimed_time != null ? found : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 10 },
    );
    return row.claimed_time! - row.created_time;
  };
  const pause = (): Promise<void> => delay(500 + Math.random() * 2000);
  const startOnB = async (): Promise<number> =>
    (await onB(createExecution, { body: { folderName: 'Bench', projectName: 'ETL', packageName: 'load', start: true } })).executionId;

  const http: number[] = [];
  for (let i = 0; i < samples; i++) {
    await pause();
    http.push(await claimWait(await startOnB(), 1));
  }
  console.log(`start on B: ${summary(http)}`);

  // The retry: a worker on B with the tag the executions need takes each first attempt and never reports back; the
  // agents get the tag only then, so the retry B's lease alarm re-queues is theirs.
  const doomedIdentity = await createWorkerIdentity('doomed-on-b');
  const { workerAgentId: doomedId } = (await onB(addWorker, { body: { certificate: doomedIdentity.certPem, tags: ['retry'] } })).worker!;
  await onB(enableWorker, { params: { workerAgentId: doomedId } });
  const doomed = workerCaller(doomedIdentity, b.url, b.certificateThumbprint);
  const tagAgents = (tags: string[]) =>
    Promise.all(agents.map((agent) => onA(setWorkerProperties, { params: { workerAgentId: agent.workerAgentId }, body: { tags } })));
  const retry: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      await tagAgents([]);
      const { executionId } = await onB(createExecution, {
        body: { folderName: 'Bench', projectName: 'ETL', packageName: 'load', requiredTags: ['retry'], retryCount: 1, start: true },
      });
      await until('the doomed worker to take the first attempt', async () => {
        const { tasks } = await doomed(claimTasks, { body: { freeSlots: 1, waitMs: 0 } });
        return tasks.some((task) => task.executionId === executionId);
      });
      await tagAgents(['retry']);
      retry.push(await claimWait(executionId, 2));
    }
  } finally {
    doomed.close();
  }
  console.log(`retry re-queued by B's lease alarm: ${summary(retry)}`);

  const schedule: number[] = [];
  for (let i = 0; i < samples; i++) {
    await pause();
    // Due two seconds from now (UTC), once a day: it fires once within the sample.
    const due = new Date(Date.now() + 2000);
    const cron = `${due.getUTCSeconds()} ${due.getUTCMinutes()} ${due.getUTCHours()} * * *`;
    const { scheduleId } = await onB(createSchedule, {
      body: { name: `bench ${i}`, folderName: 'Bench', projectName: 'ETL', packageName: 'load', cron },
    });
    const byId = readCatalog.prepare('SELECT min(execution_id) AS id FROM executions WHERE schedule_id = ?');
    const executionId = await until('the schedule to fire', () => (byId.get(scheduleId) as { id: number | null }).id ?? undefined, {
      timeoutMs: 60_000,
      intervalMs: 10,
    });
    await onB(removeSchedule, { params: { scheduleId } });
    schedule.push(await claimWait(executionId, 1));
  }
  console.log(`schedule fired by B: ${summary(schedule)}`);

  console.log(`idle for ${idleMinutes} minute(s)…`);
  await delay(idleMinutes * 60_000);
  const firstAfterIdleMs = await claimWait(await startOnB(), 1);
  console.log(`first task after ${idleMinutes} idle minute(s): ${firstAfterIdleMs} ms`);

  const sorted = (list: number[]) => [...list].sort((x, y) => x - y);
  console.log(
    JSON.stringify({
      httpOtherInstanceP50Ms: percentile(sorted(http), 50),
      httpOtherInstanceP99Ms: percentile(sorted(http), 99),
      retryP50Ms: percentile(sorted(retry), 50),
      retryP99Ms: percentile(sorted(retry), 99),
      scheduleP50Ms: percentile(sorted(schedule), 50),
      scheduleP99Ms: percentile(sorted(schedule), 99),
      firstAfterIdleMs,
    }),
  );
} finally {
  catalog?.close();
  for (const transport of transports) transport.close();
  await Promise.all(agents.map((agent) => agent.stop()));
  await Promise.all(hosts.map((host) => host.stop()));
  await azurite.stop();
  rmSync(folder, { recursive: true, force: true });
}

async function insertAdminKey(catalogPath: string): Promise<string> {
  const setup = createCatalog({ engine: new SqliteEngine({ filename: catalogPath }), cipher: new AesGcmValueCipher(Buffer.alloc(32)) });
  const key = generateApiKey();
  await setup.insertApiKey({ apiKeyId: key.apiKeyId, name: 'bench admin', role: 'admin', keyHash: key.keyHash }, 'bench');
  await setup.close();
  return key.secret;
}

function summary(waits: number[]): string {
  const sorted = [...waits].sort((x, y) => x - y);
  return `p50 ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms over ${waits.length}`;
}

function wholeNumber(text: string | undefined, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not '${text}'`);
  return value;
}
