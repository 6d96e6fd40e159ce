import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExecutionStatus } from '../functions/catalog/domain.js';
import { prepareCatalog } from './catalog-setup.js';
import { openCatalog, type WorkerGroupConfig } from './worker-group.js';
import { runWorkerProcesses } from './worker-processes.js';

/**
 * `npm run bench:catalog`: how many tasks a second the SQLite catalog leases and completes, durably
 * (synchronous=FULL unless told otherwise). Simulated workers, served by one master process or several, each ask
 * for their free slots and report every task they get as succeeded. Prints progress, then as its last line one
 * JSON object with `tasksPerSec`: the rate once warmed up, over the middle 80 % of the completions
 * (`wholeRunTasksPerSec` counts the whole run, warm-up and tail included).
 *
 * Options: --executions 10000, --workers 8, --max-task-count 10, --processes 1, --synchronous FULL|NORMAL.
 */
const { values } = parseArgs({
  options: {
    executions: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '8' },
    'max-task-count': { type: 'string', default: '10' },
    processes: { type: 'string', default: '1' },
    synchronous: { type: 'string', default: 'FULL' },
  },
});

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1, not '${text}'`);
  return value;
}

const executions = positiveInteger('executions', values.executions);
const workers = positiveInteger('workers', values.workers);
const maxTaskCount = positiveInteger('max-task-count', values['max-task-count']);
const processes = Math.min(positiveInteger('processes', values.processes), workers);
const synchronous = values.synchronous.toUpperCase();
if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error(`--synchronous must be FULL or NORMAL, not '${values.synchronous}'`);

const folder = mkdtempSync(join(tmpdir(), 'scaleout-bench-'));
const filename = join(folder, 'catalog.sqlite');
const store = { filename, synchronous, dataKeyHex: randomBytes(32).toString('hex') } as const;
// Long enough that no healthy lease expires during the run.
const leaseMs = 10 * 60_000;

try {
  console.log(
    `Scale Out catalog benchmark: SQLite synchronous=${synchronous}, ${workers} workers × MaxTaskCount ${maxTaskCount}, ${processes} master process(es)`,
  );
  console.log(`Setting up ${executions} started executions in ${filename} …`);
  const setupStarted = performance.now();
  const setupCatalog = await openCatalog(store, leaseMs);
  const workerAgentIds = await prepareCatalog(setupCatalog, {
    workers,
    maxTaskCount,
    executions,
    progress: (created) => {
      if (created % 2048 === 0) console.log(`  ${created}/${executions} executions created`);
    },
  });
  // Closing the last connection checkpoints the setup's writes into the file, so that the run does not pay for them.
  await setupCatalog.close();
  console.log(`Ready in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s. Claiming and completing …`);
  const catalog = await openCatalog(store, leaseMs);

  const groups: WorkerGroupConfig[] = Array.from({ length: processes }, (_, p) => ({
    ...store,
    leaseMs,
    workers: workerAgentIds
      .filter((_, i) => i % processes === p)
      .map((workerAgentId, i) => ({ workerAgentId, maxTaskCount, seed: p * 1000 + i })),
    behaviour: { extraSlots: 0, completeChance: 1, loseLeaseChance: 0 },
  }));
  let ticker: NodeJS.Timeout | undefined;
  const onStart = () => {
    const started = performance.now();
    ticker = setInterval(() => {
      void catalog.countExecutionsByStatus(0).then((counts) => {
        const seconds = (performance.now() - started) / 1000;
        console.log(`  ${seconds.toFixed(1)} s: ${counts[ExecutionStatus.succeeded] ?? 0} tasks done`);
      });
    }, 1000);
  };
  const result = await runWorkerProcesses(groups, { onStart }).finally(() => clearInterval(ticker));

  const tasks = result.reports.reduce((sum, report) => sum + report.completed.length, 0);
  const claims = result.reports.reduce((sum, report) => sum + report.claims, 0);
  const succeeded = (await catalog.countExecutionsByStatus(0))[ExecutionStatus.succeeded] ?? 0;
  await catalog.close();
  if (tasks !== executions || succeeded !== executions) {
    throw new Error(`expected ${executions} tasks to succeed; workers reported ${tasks}, the catalog ${succeeded}`);
  }
  // The rate once warmed up (the JIT, the page cache): over the middle 80 % of the completions.
  const times = result.reports.flatMap((report) => report.completedAt).sort((a, b) => a - b);
  const [from, to] = [times[Math.floor(tasks * 0.1)]!, times[Math.floor(tasks * 0.9)]!];
  const tasksPerSec = Math.round((Math.floor(tasks * 0.9) - Math.floor(tasks * 0.1)) / ((to - from) / 1000));
  const wholeRunTasksPerSec = Math.round(tasks / result.seconds);
  console.log(
    `Done: ${tasks} tasks in ${result.seconds.toFixed(2)} s (${wholeRunTasksPerSec} tasks/s over the whole run), ${claims} claims; ` +
      `${tasksPerSec} tasks/s (claim + complete) once warmed up.`,
  );
  console.log(
    JSON.stringify({
      tasksPerSec,
      wholeRunTasksPerSec,
      tasks,
      seconds: Number(result.seconds.toFixed(3)),
      // CPU the master process(es) spent a task: what bounds the rate when another load shares the machine.
      cpuMicrosPerTask: Math.round(result.cpuMicros / tasks),
      loadAverage: Number(loadavg()[0]!.toFixed(2)),
      synchronous,
      workers,
      maxTaskCount,
      processes,
      claims,
      tasksPerClaim: Number((tasks / claims).toFixed(2)),
    }),
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
