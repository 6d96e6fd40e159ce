import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { createExecution, deployProject, enableScaleOut, getExecution } from '../contracts/management/endpoints.js';
import { zipFiles } from '../test/support/project-zip.js';
import { startSharedCatalogMasters } from '../test/support/shared-catalog-masters.js';
import { until } from '../test/support/until.js';
import { AgentProcess } from '../test/worker-agent/e2e/support/agents.js';

/**
 * `npm run bench:events [-- --lines N]`: how fast one package's log reaches the catalog end to end. A real agent
 * (`scaleout-worker start`) runs a `process` package that prints N numbered lines (default 200,000) to stdout as
 * fast as its pipe takes them; the agent ships them to a master (its own process) that puts them in the Storage
 * queue (Azurite), and the queue-triggered drain stores them in the SQLite catalog — Azure's path.
 * - linesPerSec: N over the time from the task's claim to the moment the last line is in the catalog;
 * - agentRssMb: the agent's peak resident memory (VmHWM): bounded if it holds the package back rather than
 *   buffering what the master has not yet accepted;
 * - lostLines / duplicateLines: numbers missing from, or stored twice in, event_messages.
 * The last line is one JSON object.
 */
const { values } = parseArgs({ options: { lines: { type: 'string', default: '200000' } } });
const lines = Number(values.lines);
if (!Number.isInteger(lines) || lines < 1) throw new Error(`--lines must be a whole number ≥ 1, not '${values.lines}'`);

/** Prints `flood line <n>` for n = 1…Lines, waiting for the pipe when it is full (as any well-behaved program). */
const floodScript = `
const total = Number(process.env.SCALEOUT_PARAM_Lines);
let n = 0;
function write() {
  while (n < total) {
    n += 1;
    if (!process.stdout.write('flood line ' + n + '\\n')) return process.stdout.once('drain', write);
  }
}
write();
`;
const project = {
  'scaleout.json': JSON.stringify({
    name: 'Flood',
    packages: [
      {
        name: 'flood',
        runner: 'process',
        entry: 'node',
        arguments: ['flood.mjs'],
        parameters: [{ name: 'Lines', dataType: 'Int32', required: true }],
      },
    ],
  }),
  'flood.mjs': floodScript,
};

const masters = await startSharedCatalogMasters(1);
const [master] = masters.hosts;
const admin = masters.admin(master!);
let agent: AgentProcess | undefined;
let catalog: BetterSqlite3.Database | undefined;

try {
  await admin(enableScaleOut, {});
  await admin(deployProject, { params: { folderName: 'Bench', projectName: 'Flood' }, body: await zipFiles(project) });
  agent = await AgentProcess.init(masters.folder, 'flooder', { url: master!.url, thumbprint: master!.certificateThumbprint }, { env: {} });
  await agent.register(admin);
  agent.start();
  const agentPid = agent.pid;

  const { executionId } = await admin(createExecution, {
    body: { folderName: 'Bench', projectName: 'Flood', packageName: 'flood', parameters: { Lines: lines }, start: true },
  });
  console.log(`execution ${executionId}: ${lines.toLocaleString('en')} lines from one package through agent, queue and drain`);
  catalog = new BetterSqlite3(masters.catalogPath, { readonly: true });
  // Counted as they come, past the last row seen: a count of the whole execution every 20 ms would cost the
  // catalog tens of ms at 200,000 rows and take a good part of a core from the processes being measured.
  const storedSince = catalog.prepare(
    `SELECT count(*) AS n, max(event_message_id) AS last FROM event_messages WHERE event_message_id > ? AND execution_id = ? AND message_source_name = 'stdout'`,
  );
  let n = 0;
  let lastSeen = 0;
  let reported = 0;
  await until(
    'every line to be stored',
    () => {
      // Rows of a later commit have higher ids (SQLite has one writer), so none is missed between two looks.
      const since = storedSince.get(lastSeen, executionId) as { n: number; last: number | null };
      n += since.n;
      lastSeen = since.last ?? lastSeen;
      if (n - reported >= 50_000) {
        console.log(`  ${n.toLocaleString('en')} stored`);
        reported = n;
      }
      return n >= lines;
    },
    { timeoutMs: 15 * 60_000, intervalMs: 20 },
  );
  const lastStored = Date.now();
  const agentRssMb = peakRssMb(agentPid);
  const { claimed_time: claimedTime } = catalog.prepare('SELECT min(claimed_time) AS claimed_time FROM tasks WHERE execution_id = ?').get(executionId) as {
    claimed_time: number;
  };
  await until('the execution to end', async () => (await admin(getExecution, { params: { executionId } })).endTime !== null, {
    timeoutMs: 60_000,
  });

  const seen = new Uint8Array(lines + 1);
  let duplicateLines = 0;
  const rows = catalog.prepare(`SELECT message FROM event_messages WHERE execution_id = ? AND message_source_name = 'stdout'`).iterate(executionId);
  for (const { message } of rows as Iterable<{ message: string }>) {
    const number = Number(/^flood line (\d+)$/.exec(message)?.[1]);
    if (!Number.isInteger(number) || number < 1 || number > lines) continue;
    if (seen[number]) duplicateLines += 1;
    seen[number] = 1;
  }
  const lostLines = lines - seen.reduce((sum, bit) => sum + bit, 0);
  const seconds = (lastStored - claimedTime) / 1000;
  console.log(
    JSON.stringify({ lines, linesPerSec: Math.round(lines / seconds), agentRssMb, lostLines, duplicateLines }),
  );
} finally {
  catalog?.close();
  await agent?.stop();
  await masters.stop();
}

/** The process's peak resident set (Linux's VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round(kb / 1024);
}
