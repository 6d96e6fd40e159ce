import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QueueServiceClient } from '@azure/storage-queue';
import { callEndpoint } from '../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../contracts/endpoint.js';
import { enableScaleOut } from '../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../contracts/node-https-transport.js';
import { bellQueueName } from '../functions/claims/doorbell.js';
import { azureIdleHeartbeatMs } from '../functions/config/master-config.js';
import { startAzurite } from '../functions/local-host/azurite.js';
import { until } from '../test/support/until.js';
import { AgentProcess } from '../test/worker-agent/e2e/support/agents.js';
import { azureListPrices, hoursPerMonth, instanceMemoryGb } from './azure-list-prices.js';
import type { MasterUsage } from './idle-cost-master.js';
import { round } from './numbers.js';
import { StorageMeter, type StorageTransactions } from './storage-meter.js';

/**
 * `npm run bench:idle-cost [-- --workers N --minutes M]`: what an idle fleet costs the master in Azure. One master
 * (a local host in a process of its own) with Azure's settings — no claim held open, the alarms and the 2 h safety
 * sweep, the doorbells on Azurite — and N real idle worker agents (default 10, 0 allowed) with their default
 * settings, watched for M minutes (default 10) after they settled. Counted per hour: function executions by
 * trigger and billable instance-seconds (function-meter.ts), catalog statements (the engine's own count), storage
 * transactions (at a proxy in front of Azurite: the agents' doorbell reads and every queue operation of the master,
 * its queue triggers' polling included), requests per worker. Then a monthly estimate from azure-list-prices.ts
 * (Functions and storage; the SQL tier is reported apart: statements, not dollars). The last line is one JSON object.
 */
const { values } = parseArgs({ options: { workers: { type: 'string', default: '10' }, minutes: { type: 'string', default: '10' } } });
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 0) throw new Error(`--workers must be a whole number ≥ 0, not '${values.workers}'`);
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes must be a number > 0, not '${values.minutes}'`);
/** After the agents started: their first heartbeat and claim are done well within this. */
const settleMs = 20_000;

const folder = mkdtempSync(join(tmpdir(), 'scaleout-bench-idle-cost-'));
const azurite = await startAzurite(join(folder, 'azurite'));
const agents: AgentProcess[] = [];
let meter: StorageMeter | undefined;
let transport: NodeHttpsTransport | undefined;
let master: Awaited<ReturnType<typeof startMaster>> | undefined;

try {
  const queueEndpoint = /QueueEndpoint=([^;]+)/.exec(azurite.connectionString)![1]!;
  meter = await StorageMeter.start(queueEndpoint);
  const meteredStorage = azurite.connectionString.replace(queueEndpoint, meter.endpoint);
  master = await startMaster({
    SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'),
    SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
    SCALEOUT_PORT: '0',
    AzureWebJobsStorage: meteredStorage,
    // Azure's settings: an empty claim answers at once, idle workers wait for their doorbell and beat every 10 min.
    SCALEOUT_CLAIM_MAX_WAIT_MS: '0',
    SCALEOUT_WORKER_IDLE_HEARTBEAT_MS: String(azureIdleHeartbeatMs),
  });
  const started = master;
  transport = new NodeHttpsTransport({ baseUrl: started.url, pinnedThumbprint: started.thumbprint });
  const through = transport;
  const admin = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
    callEndpoint(through, endpoint, input, { headers: { authorization: `Bearer ${started.adminKey}` } });
  await admin(enableScaleOut, {});
  const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  for (let i = 0; i < workers; i++) {
    // The agents' own defaults for everything idle (AgentHeartbeatInterval, DoorbellPollInterval…).
    const agent = await AgentProcess.init(folder, `idle-${i}`, { url: started.url, thumbprint: started.thumbprint }, { env: {} }, {
      settings: { AgentHeartbeatInterval: undefined, TaskHeartbeatInterval: undefined },
    });
    await agent.register(admin);
    agent.start();
    agents.push(agent);
  }
  for (const agent of agents) {
    await until(`agent ${agent.name} to get its doorbell`, () => queues.getQueueClient(bellQueueName(agent.workerAgentId)).exists(), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  }
  await delay(settleMs);
  console.log(`${workers} idle agent(s) on ${started.url}, Azure's settings; watching ${minutes} minute(s)…`);

  const [usageBefore, storageBefore] = [await started.usage(), meter.transactions()];
  await delay(minutes * 60_000);
  const [usageAfter, storageAfter] = [await started.usage(), meter.transactions()];
  for (const agent of agents) if (!agent.running) throw new Error(`agent ${agent.name} stopped:\n${agent.output()}`);

  const perHour = (before: number, after: number): number => ((after - before) * 60) / minutes;
  const kinds = ['http', 'timer', 'queue'] as const;
  const { functions: fBefore } = usageBefore;
  const { functions: fAfter } = usageAfter;
  const executions = Object.fromEntries(kinds.map((kind) => [kind, perHour(fBefore.executionsByTrigger[kind], fAfter.executionsByTrigger[kind])]));
  const seconds = Object.fromEntries(
    kinds.map((kind) => [kind, perHour(fBefore.billableInstanceSecondsByTrigger[kind], fAfter.billableInstanceSecondsByTrigger[kind])]),
  );
  const executionsByFunction = Object.fromEntries(
    Object.entries(fAfter.executionsByFunction)
      .map(([name, count]) => [name, round(perHour(fBefore.executionsByFunction[name] ?? 0, count))] as const)
      .filter(([, count]) => count > 0),
  );
  const sum = (values: Record<string, number>): number => Object.values(values).reduce((total, n) => total + n, 0);
  const storage = storageDelta(storageBefore, storageAfter);
  const doorbellReadsPerHour = perHour(0, storage.doorbellReads);
  const masterStoragePerHour = perHour(0, storage.master);

  // What each worker costs (its requests, its doorbell reads) and what the master costs with no worker at all (its
  // timers, alarms and queue triggers, their polling): a fleet of 100 costs the second plus 100 times the first.
  const prices = azureListPrices;
  const functionsUsd = (executionsPerHour: number, secondsPerHour: number): number =>
    hoursPerMonth * (secondsPerHour * instanceMemoryGb * prices.flexOnDemandGbSecond.usd + executionsPerHour * prices.flexOnDemandExecution.usd);
  const storageUsd = (transactionsPerHour: number): number => hoursPerMonth * transactionsPerHour * prices.queueOperation.usd;
  const workersUsd = functionsUsd(executions['http']!, seconds['http']!) + storageUsd(doorbellReadsPerHour);
  const masterUsd = functionsUsd(executions['timer']! + executions['queue']!, seconds['timer']! + seconds['queue']!) + storageUsd(masterStoragePerHour);
  const monthlyUsd = round(workersUsd + masterUsd);
  const monthlyUsdPer100Workers = workers > 0 ? round(masterUsd + (workersUsd * 100) / workers) : null;

  const executionsPerHour = round(sum(executions));
  const billableInstanceSecondsPerHour = round(sum(seconds));
  const catalogStatementsPerIdleMinute = round((usageAfter.catalogStatements - usageBefore.catalogStatements) / minutes);
  const storageTransactionsPerHour = round(doorbellReadsPerHour + masterStoragePerHour);
  const rounded = (values: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(values).map(([key, n]) => [key, round(n)]));

  console.log(`function executions per hour: ${executionsPerHour} by trigger ${JSON.stringify(rounded(executions))}, by function ${JSON.stringify(executionsByFunction)}`);
  console.log(`requests per worker per hour: ${workers > 0 ? round(executions['http']! / workers) : '-'}`);
  console.log(`billable instance-seconds per hour at ${instanceMemoryGb} GB: ${billableInstanceSecondsPerHour} ${JSON.stringify(rounded(seconds))}`);
  console.log(
    `storage transactions per hour (counted at a proxy in front of Azurite): ${storageTransactionsPerHour}: the agents' doorbell reads ` +
      `${round(doorbellReadsPerHour)}, the master's queue operations ${round(masterStoragePerHour)} ${JSON.stringify(rounded(perHourAll(storage.masterByOperation)))}`,
  );
  console.log(`catalog statements per idle minute: ${catalogStatementsPerIdleMinute} (${workers > 0 ? round(catalogStatementsPerIdleMinute / workers) : '-'} per worker)`);
  console.log(
    `monthly (${hoursPerMonth} h, no free grant): the workers' part $${round(workersUsd)} + the master's own $${round(masterUsd)} = $${monthlyUsd}; ` +
      `100 workers: $${monthlyUsdPer100Workers ?? '-'}`,
  );
  console.log('the SQL tier apart (not in monthlyUsd): whatever tier is chosen; catalogStatementsPerIdleMinute says whether a serverless database can pause');
  for (const [name, price] of Object.entries(prices)) console.log(`price ${name}: $${price.usd.toPrecision(3)} per ${price.per}; ${price.source}, read ${price.readOn}`);
  console.log(
    JSON.stringify({
      workers,
      minutes,
      executionsPerHour,
      billableInstanceSecondsPerHour,
      catalogStatementsPerIdleMinute,
      storageTransactionsPerHour,
      monthlyUsd,
      monthlyUsdPer100Workers,
    }),
  );

  function perHourAll(counts: Record<string, number>): Record<string, number> {
    return Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, perHour(0, n)]));
  }
} finally {
  transport?.close();
  await Promise.all(agents.map((agent) => agent.stop()));
  await master?.stop();
  await meter?.stop();
  await azurite.stop();
  rmSync(folder, { recursive: true, force: true });
}

function storageDelta(before: StorageTransactions, after: StorageTransactions): StorageTransactions {
  return {
    doorbellReads: after.doorbellReads - before.doorbellReads,
    master: after.master - before.master,
    masterByOperation: Object.fromEntries(
      Object.entries(after.masterByOperation)
        .map(([op, n]) => [op, n - (before.masterByOperation[op] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    ),
  };
}

/** idle-cost-master.js beside this module, in a process of its own with `env`. */
async function startMaster(env: Record<string, string>) {
  const child = fork(fileURLToPath(new URL('./idle-cost-master.js', import.meta.url)), [], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const answer = <T>(question?: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the benchmark's master exited (code ${code})`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as T);
      });
      if (question) child.send(question);
    });
  const started = await answer<{ url: string; thumbprint: string; adminKey: string }>();
  return {
    ...started,
    usage: () => answer<MasterUsage>({ op: 'usage' }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ op: 'stop' });
      await exited;
    },
  };
}
