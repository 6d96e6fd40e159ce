import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerReport } from './simulated-worker.js';
import type { WorkerGroupConfig } from './worker-group.js';
import type { ChildMessage, ParentMessage } from './worker-process.js';

export interface WorkerProcessesResult {
  reports: WorkerReport[];
  /** From the moment every process was told to start until the last one was done. */
  seconds: number;
  /** CPU time the processes used running their workers, all together. */
  cpuMicros: number;
}

export interface WorkerProcessesOptions {
  /** The compiled worker-process.js. @default the one beside this module */
  workerScript?: string;
  /** Called when every process has been told to start. */
  onStart?: () => void;
}

/**
 * Runs each group of simulated workers in its own child process (several master instances over one SQLite file),
 * starts them together and collects their reports.
 */
export async function runWorkerProcesses(
  groups: readonly WorkerGroupConfig[],
  options: WorkerProcessesOptions = {},
): Promise<WorkerProcessesResult> {
  const workerScript = options.workerScript ?? fileURLToPath(new URL('./worker-process.js', import.meta.url));
  const children = groups.map(() => fork(workerScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    const ready = children.map((child) => nextMessage(child));
    children.forEach((child, index) => post(child, { type: 'run', config: groups[index]! }));
    for (const message of await Promise.all(ready)) expectMessage(message, 'ready');
    const done = children.map((child) => nextMessage(child));
    const started = performance.now();
    for (const child of children) post(child, { type: 'start' });
    options.onStart?.();
    const finished = (await Promise.all(done)).map((message) => expectMessage(message, 'done'));
    return {
      reports: finished.flatMap((message) => message.reports),
      seconds: (performance.now() - started) / 1000,
      cpuMicros: finished.reduce((sum, message) => sum + message.cpuMicros, 0),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

function post(child: ChildProcess, message: ParentMessage): void {
  child.send(message);
}

function nextMessage(child: ChildProcess): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`a worker process exited (code ${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as ChildMessage);
    });
  });
}

function expectMessage<T extends ChildMessage['type']>(message: ChildMessage, type: T): Extract<ChildMessage, { type: T }> {
  if (message.type === 'failed') throw new Error(`a worker process failed: ${message.message}`);
  if (message.type !== type) throw new Error(`expected '${type}' from a worker process, got '${message.type}'`);
  return message as Extract<ChildMessage, { type: T }>;
}
