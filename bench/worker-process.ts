import { toError } from '../functions/catalog/errors.js';
import type { WorkerReport } from './simulated-worker.js';
import { runWorkerGroup, type WorkerGroupConfig } from './worker-group.js';

/**
 * A child process serving a group of simulated workers (see worker-processes.ts for the parent's side).
 * Protocol over the IPC channel: parent → `run` (config); child → `ready` once loaded; parent →
 * `start`; child → `done` (reports, CPU time used) or `failed` (message), then exits.
 */
export type ParentMessage = { type: 'run'; config: WorkerGroupConfig } | { type: 'start' };
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; reports: WorkerReport[]; cpuMicros: number }
  | { type: 'failed'; message: string };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send?.(message, undefined, {}, (error) => (error ? reject(error) : resolve())));
}

function nextMessage(): Promise<ParentMessage> {
  return new Promise((resolve) => process.once('message', (message) => resolve(message as ParentMessage)));
}

if (!process.send) throw new Error('worker-process.js runs as a child process with an IPC channel (child_process.fork)');

try {
  const run = await nextMessage();
  if (run.type !== 'run') throw new Error(`expected 'run', got '${run.type}'`);
  // Wait for the go together with the other processes, so that they all start at once.
  const start = nextMessage();
  await send({ type: 'ready' });
  await start;
  const cpu = process.cpuUsage();
  const reports = await runWorkerGroup(run.config);
  const used = process.cpuUsage(cpu);
  await send({ type: 'done', reports, cpuMicros: used.user + used.system });
} catch (thrown) {
  const error = toError(thrown);
  await send({ type: 'failed', message: error.stack ?? error.message });
  process.exitCode = 1;
}
process.disconnect();
