import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { callEndpoint } from '../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../contracts/endpoint.js';
import { addWorker, createExecution, deployProject, enableScaleOut, enableWorker } from '../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../contracts/node-https-transport.js';
import { claimTasks, completeTask } from '../contracts/worker-protocol.js';
import { BenchWorker } from './bench-worker.js';
import { startBenchMaster, type MasterStats } from './master-process.js';
import { positiveSetting, round } from './numbers.js';
import { percentile } from './percentile.js';
import { createWorkerIdentity } from './worker-identity.js';
import { zipFiles } from '../test/support/project-zip.js';

/**
 * `npm run bench:dispatch [K]`: how fast the master hands out work. A local host on a SQLite catalog with
 * synchronous=FULL (the default) in a process of its own, K simulated workers long-polling over HTTPS keep-alive,
 * and a driver that creates and starts executions. Prints progress, then one JSON line:
 * - tasksPerSec: create → claim → complete throughput over a fixed number of tasks;
 * - drainTasksPerSec: claim → complete of as many tasks started beforehand (while no worker claimed), timed until
 *   the last completes: how graphile-worker's throughput is measured in ../shared/peer-bench, whose jobs are added
 *   before its clock starts;
 * - dispatchP50Ms / dispatchP99Ms: from sending the start request to the worker holding the task, one execution
 *   at a time on an otherwise idle master (both ends measured in this process);
 * - idleCatalogQueriesPerPoll: catalog queries a long poll costs while it waits, beyond its arrival (the
 *   worker's authentication and its first claim); the design's goal is 0;
 * - idleCatalogQueriesPerPollTotal: the same, arrival included;
 * - catalogQueriesPerTask: catalog statements the master ran a task during the throughput run (BEGIN and COMMIT
 *   included, so it shows how well commits are shared);
 * - masterCpuMsPerTask / benchCpuMsPerTask: CPU the master's process and this one (driver and workers) spent a
 *   task during the throughput run: steadier than the rate when other work shares the machine;
 * - loadAverage: the machine's 1-minute load average at the end, to read the other numbers by.
 * The timers are off, so the catalog queries counted are the requests' own.
 *
 * Settings: K as the first argument or SCALEOUT_BENCH_WORKERS (default 8); SCALEOUT_BENCH_TASKS (default 3000);
 * SCALEOUT_BENCH_MASTER_EXEC_ARGV: Node options for the master's process, space-separated (e.g. `--cpu-prof
 * --cpu-prof-dir=prof` to profile it).
 */
const workerCount = positiveSetting(process.argv[2] ?? process.env['SCALEOUT_BENCH_WORKERS'], 8, 'K');
const taskCount = positiveSetting(process.env['SCALEOUT_BENCH_TASKS'], 3000, 'SCALEOUT_BENCH_TASKS');
const latencySamples = 300;
const idleRounds = 3;
const idleWaitMs = 3000;
const driverConcurrency = 32;
const maxTaskCount = 10;

const master = await startBenchMaster();
const adminTransport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.thumbprint });
const admin = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
  callEndpoint(adminTransport, endpoint, input, { headers: { authorization: `Bearer ${master.adminKey}` } });

await admin(enableScaleOut, {});
await admin(deployProject, { params: { folderName: 'Bench', projectName: 'Noop' }, body: await zipNoopProject() });
const workers: BenchWorker[] = [];
for (let i = 0; i < workerCount; i++) {
  const identity = await createWorkerIdentity(`bench-worker-${i}`);
  const { workerAgentId } = (await admin(addWorker, { body: { certificate: identity.certPem, maxTaskCount } })).worker!;
  await admin(enableWorker, { params: { workerAgentId } });
  workers.push(new BenchWorker(identity, master.url, master.thumbprint));
}
console.log(`master ${master.url} in its own process (SQLite synchronous=${master.synchronous}), ${workerCount} workers`);

/** When each execution's task reached its worker, and how many tasks completed. */
const receivedAt = new Map<number, number>();
let completed = 0;
/** Conditions waitFor checks again whenever the work loops record a task received or completed. */
const progressWaiters = new Set<() => void>();
const progressed = (): void => {
  for (const test of [...progressWaiters]) test();
};
const startRequest = (): Promise<EndpointOutput<typeof createExecution>> =>
  admin(createExecution, { body: { folderName: 'Bench', projectName: 'Noop', packageName: 'noop', start: true } });

/** Every worker claims and completes in a loop until `stop`, which ends its held claim. */
function startWorkLoops(): { stop(): Promise<void> } {
  const abort = new AbortController();
  const loop = async (worker: BenchWorker): Promise<void> => {
    while (!abort.signal.aborted) {
      let tasks;
      try {
        ({ tasks } = await worker.call(claimTasks, { body: { freeSlots: maxTaskCount, waitMs: 25_000 } }, abort.signal));
      } catch (error) {
        if (abort.signal.aborted) return;
        throw error;
      }
      const now = performance.now();
      for (const task of tasks) receivedAt.set(task.executionId, now);
      progressed();
      await Promise.all(
        tasks.map(async (task) => {
          await worker.call(completeTask, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, outcome: 'succeeded', exitCode: 0 } });
          completed++;
          progressed();
        }),
      );
    }
  };
  const loops = workers.map(loop);
  return {
    stop: async () => {
      abort.abort();
      await Promise.all(loops);
    },
  };
}
let loops = startWorkLoops();

// Throughput: a fixed number of tasks, created by a driver keeping a few starts in flight.
const warmup = Math.min(200, taskCount);
await drive(warmup);
await waitFor(() => completed >= warmup);
const before = completed;
const masterBefore = await master.stats();
const benchCpuBefore = process.cpuUsage();
const throughputStarted = performance.now();
let lastProgress = throughputStarted;
await drive(taskCount, () => {
  const now = performance.now();
  if (now - lastProgress > 1000) {
    lastProgress = now;
    console.log(`  throughput: ${completed - before}/${taskCount} tasks completed`);
  }
});
await waitFor(() => completed - before >= taskCount);
const seconds = (performance.now() - throughputStarted) / 1000;
const tasksPerSec = taskCount / seconds;
const masterAfter = await master.stats();
const masterCpuMsPerTask = (masterAfter.cpuMicros - masterBefore.cpuMicros) / 1000 / taskCount;
const catalogQueriesPerTask = (masterAfter.catalogQueries - masterBefore.catalogQueries) / taskCount;
const benchCpu = process.cpuUsage(benchCpuBefore);
const benchCpuMsPerTask = (benchCpu.user + benchCpu.system) / 1000 / taskCount;
console.log(`throughput: ${taskCount} tasks in ${seconds.toFixed(2)} s = ${tasksPerSec.toFixed(0)} tasks/s`);

// Drain: as graphile-worker's throughput is measured (its jobs are added first, then the clock runs until the
// queue is empty), the same number of executions started while no worker claims, then claimed and completed.
await loops.stop();
// The master ends a held claim once it hears its request was dropped; one still held would lease the first
// tasks to a worker that is gone.
while ((await master.stats()).waitingClaims > 0) await new Promise((resolve) => setTimeout(resolve, 10));
await new Promise((resolve) => setTimeout(resolve, 100));
await drive(taskCount);
const drained = completed;
const drainStarted = performance.now();
loops = startWorkLoops();
await waitFor(() => completed - drained >= taskCount);
const drainTasksPerSec = taskCount / ((performance.now() - drainStarted) / 1000);
console.log(`drain: ${taskCount} started tasks claimed and completed at ${drainTasksPerSec.toFixed(0)} tasks/s`);

// Dispatch latency: one execution at a time, workers waiting in their long polls; from sending the start to the
// worker holding the task.
const latencies: number[] = [];
for (let i = 0; i < latencySamples; i++) {
  await allClaimsWaiting();
  const sent = performance.now();
  const execution = await startRequest();
  const received = await waitFor(() => receivedAt.get(execution.executionId));
  latencies.push(received - sent);
}
latencies.sort((x, y) => x - y);
console.log(`dispatch: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms over ${latencySamples} executions`);

// Idle: the work loops end; then every worker long-polls at once, in rounds, with nothing to take.
await loops.stop();
let waitingQueries = 0;
let totalQueries = 0;
for (let round = 0; round < idleRounds; round++) {
  const start = (await master.stats()).catalogQueries;
  const polls = workers.map((worker) => worker.call(claimTasks, { body: { freeSlots: maxTaskCount, waitMs: idleWaitMs } }));
  const allWaiting = (await allClaimsWaiting()).catalogQueries;
  const answers = await Promise.all(polls);
  if (answers.some((answer) => answer.tasks.length > 0)) throw new Error('an idle poll found work');
  const end = (await master.stats()).catalogQueries;
  waitingQueries += end - allWaiting;
  totalQueries += end - start;
}
const polls = idleRounds * workerCount;
console.log(`idle: ${polls} polls of ${idleWaitMs} ms, ${totalQueries} catalog queries in all, ${waitingQueries} while waiting`);

for (const worker of workers) worker.close();
adminTransport.close();
await master.stop();

console.log(
  JSON.stringify({
    K: workerCount,
    tasks: taskCount,
    seconds: round(seconds),
    tasksPerSec: round(tasksPerSec),
    drainTasksPerSec: round(drainTasksPerSec),
    dispatchP50Ms: round(percentile(latencies, 50)),
    dispatchP99Ms: round(percentile(latencies, 99)),
    idleCatalogQueriesPerPoll: round(waitingQueries / polls),
    idleCatalogQueriesPerPollTotal: round(totalQueries / polls),
    catalogQueriesPerTask: round(catalogQueriesPerTask),
    masterCpuMsPerTask: round(masterCpuMsPerTask),
    benchCpuMsPerTask: round(benchCpuMsPerTask),
    loadAverage: round(loadavg()[0]!),
  }),
);

/** Creates and starts `count` executions, at most `driverConcurrency` starts in flight. */
async function drive(count: number, progress?: () => void): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: driverConcurrency }, async () => {
      while (next < count) {
        next++;
        await startRequest();
        progress?.();
      }
    }),
  );
}

/** Waits until every worker's claim is held open by the master; returns the master's counts then. */
async function allClaimsWaiting(): Promise<MasterStats> {
  for (const deadline = performance.now() + 60_000; performance.now() < deadline; ) {
    const stats = await master.stats();
    if (stats.waitingClaims === workerCount) return stats;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error('the benchmark stalled: the workers\' claims are not all waiting');
}

/**
 * Waits for a condition on what the work loops record, checked each time they record something (`progressed`),
 * giving up after a minute. Not a polling loop: on 2 cores a benchmark spinning on the event loop would take a
 * core from the master it measures.
 */
function waitFor<T>(check: () => T | undefined | false): Promise<T> {
  return new Promise((resolve, reject) => {
    const test = (): void => {
      const value = check();
      if (value === undefined || value === false) return;
      clearTimeout(timer);
      progressWaiters.delete(test);
      resolve(value);
    };
    const timer = setTimeout(() => {
      progressWaiters.delete(test);
      reject(new Error('the benchmark stalled'));
    }, 60_000);
    progressWaiters.add(test);
    test();
  });
}

/** The benchmark's project: one package that does nothing (the bench workers never run it anyway). */
function zipNoopProject(): Promise<Buffer> {
  return zipFiles({
    'scaleout.json': JSON.stringify({ name: 'Noop', packages: [{ name: 'noop', runner: 'node', entry: 'noop.mjs' }] }),
    'noop.mjs': 'export default async function noop() {}\n',
  });
}
