import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableScaleOut } from '../../../contracts/management/endpoints.js';
import type { EventMessageView, ExecutionView } from '../../../contracts/management/views.js';
import { startAzurite, type RunningAzurite } from '../../../functions/local-host/azurite.js';
import type { ManagementCaller } from '../../support/test-master.js';
import { AgentProcess } from './support/agents.js';
import { deployE2eProject, startExecution, waitForEnd, waitForEvents } from './support/executions.js';
import { freePort } from '../../support/free-port.js';
import { createAdminKey, managementCaller, MasterProcess } from './support/master-process.js';
import { ProcessMarker, tearDownAndCheck } from './support/processes.js';
import { e2eTestTimeoutMs, waitFor } from './support/wait.js';

/**
 * The master goes away for 30 s while packages run and log, then comes back on the same port, catalog, keys and
 * queue. The agent keeps its packages running (HeartbeatErrorTolerance is 10 minutes), keeps what it could not
 * deliver on disk, and delivers it when the master is back; the master extends the leases it could not watch
 * instead of expiring them. Afterwards every line and every completion is in the catalog, once.
 */

const outageMs = 30_000;

let root: string;
let azurite: RunningAzurite;
let master: MasterProcess;
let admin: ManagementCaller & { close(): void };
let adminKey: string;
let agent: AgentProcess;
const marker = new ProcessMarker();

function connect(): void {
  admin?.close();
  admin = managementCaller(master.url, master.thumbprint, adminKey);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-e2e-outage-'));
  // Azurite outlives the master, as the storage account does in Azure: what was queued stays queued.
  azurite = await startAzurite(join(root, 'azurite'));
  const catalogPath = join(root, 'master', 'catalog.sqlite');
  adminKey = await createAdminKey(catalogPath);
  master = new MasterProcess(
    {
      SCALEOUT_CATALOG_SQLITE_PATH: catalogPath,
      SCALEOUT_KEY_FOLDER: join(root, 'master', 'keys'),
      SCALEOUT_PORT: String(await freePort()),
      AzureWebJobsStorage: azurite.connectionString,
    },
    marker,
  );
  await master.start();
  connect();
  await admin(enableScaleOut, {});
  await deployE2eProject(admin);
  agent = await AgentProcess.init(root, 'outage-1', { url: master.url, thumbprint: master.thumbprint }, marker);
  await agent.register(admin);
  agent.start();
});

afterAll(async () => {
  admin?.close();
  await tearDownAndCheck({ agents: agent ? [agent] : [], services: [master, azurite], marker, root });
}, 180_000);

/** The `numbered-log` lines of one execution stored in the catalog: their numbers, in stored order. */
function lineNumbers(events: EventMessageView[], name: string): number[] {
  return events
    .filter((e) => e.messageSourceName === 'stdout' && e.message.startsWith(`${name} line `))
    .map((e) => Number(e.message.slice(`${name} line `.length)));
}

describe('the master stopped for 30 s while tasks run', { timeout: e2eTestTimeoutMs }, () => {
  it('loses no line and no completion, and stores none twice', async () => {
    const out = join(root, 'out');
    mkdirSync(out, { recursive: true });
    const readNumber = (file: string): number | undefined => (existsSync(join(out, file)) ? Number(readFileSync(join(out, file), 'utf8')) : undefined);
    const names = ['during', 'after-1', 'after-2'] as const;
    const executions = new Map<string, ExecutionView>();
    for (const name of names) executions.set(name, await startExecution(admin, 'numbered-log', { OutDir: out, Name: name }));
    const idOf = (name: string): number => executions.get(name)!.executionId;

    // Before: lines of every package reach the catalog.
    for (const name of names) await waitForEvents(admin, idOf(name), 'five lines', (events) => lineNumbers(events, name).length >= 5);

    await master.kill();
    const downSince = Date.now();
    // During: one package logs twenty more lines, then ends while the master is away; its lines and its
    // completion wait on disk.
    const lineAtStop = readNumber('line-during')!;
    await waitFor('twenty lines logged with the master away', () => readNumber('line-during')! >= lineAtStop + 20);
    writeFileSync(join(out, 'stop-during'), '');
    await waitFor('the package "during" to end', () => readNumber('count-during') !== undefined);
    await agent.waitForOutput(/succeeded; the report waits in ExecutionLogCacheFolder until the master answers/);
    const remaining = outageMs - (Date.now() - downSince);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    const loggedDuringOutage = readNumber('line-after-1')!;

    await master.start();
    connect();
    await agent.waitForOutput(/reconnected to the master after \d+ s/);
    // After: the other two keep logging with the master back, then end.
    await waitForEvents(admin, idOf('after-1'), 'lines logged after the restart', (events) =>
      lineNumbers(events, 'after-1').some((n) => n >= loggedDuringOutage + 10),
    );
    for (const name of ['after-1', 'after-2']) writeFileSync(join(out, `stop-${name}`), '');

    for (const name of names) {
      const ended = await waitForEnd(admin, idOf(name), 120_000);
      // One attempt, never lost: the master extended the leases it could not watch.
      expect(ended).toMatchObject({ status: 7, statusMessage: 'numbered-log succeeded' });
      expect(ended.attempts).toMatchObject([{ attemptNumber: 1, state: 'succeeded', exitCode: 0 }]);
    }
    for (const name of names) {
      const count = readNumber(`count-${name}`)!;
      const events = await waitForEvents(admin, idOf(name), `all ${count} lines`, (stored) => lineNumbers(stored, name).length >= count);
      // Every line, in order, each once; and no event message stored twice.
      expect(lineNumbers(events, name)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      const sequences = events.map((e) => e.sequenceNumber);
      expect(new Set(sequences).size).toBe(sequences.length);
    }
    // "during" logged before and during the outage; the other two before, during and after it.
    expect(readNumber('count-after-1')).toBeGreaterThan(loggedDuringOutage + 10);
  });
});
