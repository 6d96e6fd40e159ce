import type { ChildProcess } from 'node:child_process';
import { z } from 'zod';
import { EventType, maxEventMessageLength } from '../../contracts/worker-protocol.js';
import type { AgentClock } from '../clock.js';
import { asError } from '../errors.js';
import { spawnProcessTree, signalProcessTree, terminateProcessTree, type TreeSpawnOptions } from '../process-tree.js';
import { abortOf, type TaskAbort } from '../task-abort.js';
import { LineSplitter } from './output-lines.js';
import { PackageLaunchError, type PackageLaunch } from './runner.js';

/** What a package says while it runs. */
export interface PackageOutput {
  line(stream: 'stdout' | 'stderr', text: string): void;
  event(type: EventType, message: string): void;
  /** What the package says it achieved (a node package's return value): the attempt's message on success. */
  result(message: string): void;
  /** Undefined while more lines are welcome; otherwise resolves when they are again (the package's output waits). */
  whenReady(): Promise<void> | undefined;
}

export interface PackageExit {
  exitCode: number | null;
  /** The signal that ended the process, if one did. */
  signal: NodeJS.Signals | null;
  /** Set when the package was stopped by the agent before it ended on its own. */
  abort: TaskAbort | undefined;
}

export interface RunPackageOptions {
  /** Aborted with a TaskAbort to stop the package. */
  signal: AbortSignal;
  output: PackageOutput;
  /** SIGTERM → SIGKILL delay (TaskCancelGracePeriod). */
  graceMs: number;
  clock: AgentClock;
  /** Called once the package's process runs. */
  onStarted?: (pid: number) => Promise<void> | void;
  /** @default spawnProcessTree */
  spawn?: (command: string, args: readonly string[], options: TreeSpawnOptions) => ChildProcess;
}

/** A structured event from the node runner's host, over IPC. */
export const HostMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), type: EventType, message: z.string() }),
  z.object({ kind: z.literal('result'), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessage>;

/**
 * Starts a package, streams its output line by line, and waits until it ends — or until `signal` aborts it, in
 * which case the whole process tree is stopped. Resolves with how it ended; rejects with PackageLaunchError only
 * when the program could not be started at all.
 */
export async function runPackageProcess(launch: PackageLaunch, options: RunPackageOptions): Promise<PackageExit> {
  const spawn = options.spawn ?? spawnProcessTree;
  if (options.signal.aborted) return { exitCode: null, signal: null, abort: abortOf(options.signal) };
  let child: ChildProcess;
  try {
    child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: launch.env, ipc: launch.ipc });
  } catch (thrown) {
    throw new PackageLaunchError(`cannot start ${launch.command}: ${asError(thrown).message}`, { cause: asError(thrown) });
  }

  const stdout = new LineSplitter((text) => options.output.line('stdout', text), maxEventMessageLength);
  const stderr = new LineSplitter((text) => options.output.line('stderr', text), maxEventMessageLength);
  // Back-pressure: while the agent holds too many lines, both pipes pause, so a package printing faster than the
  // master stores its lines blocks on its own writes rather than growing the agent's memory.
  let paused = false;
  const afterChunk = (): void => {
    const ready = paused ? undefined : options.output.whenReady();
    if (!ready) return;
    paused = true;
    child.stdout?.pause();
    child.stderr?.pause();
    void ready.then(() => {
      paused = false;
      child.stdout?.resume();
      child.stderr?.resume();
    });
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    afterChunk();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    afterChunk();
  });
  child.on('message', (message: unknown) => {
    const parsed = HostMessage.safeParse(message);
    if (!parsed.success) return;
    if (parsed.data.kind === 'event') options.output.event(parsed.data.type, parsed.data.message.slice(0, maxEventMessageLength));
    else options.output.result(parsed.data.message.slice(0, 4000));
  });

  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new PackageLaunchError(launchFailure(launch, error), { cause: error })));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await started;
  if (child.pid !== undefined) {
    try {
      await options.onStarted?.(child.pid);
    } catch {
      // Bookkeeping only (the pid file for crash cleanup): the package runs regardless.
    }
  }

  let abort: TaskAbort | undefined;
  let stopping: Promise<void> | undefined;
  const onAbort = (): void => {
    abort = abortOf(options.signal);
    const graceMs = abort?.immediate ? 0 : options.graceMs;
    stopping = terminateProcessTree(child, exited, { graceMs, clock: options.clock });
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  const exit = await exited;
  options.signal.removeEventListener('abort', onAbort);
  await stopping;
  // Whatever the package left running in its process group ends with it, so its pipes close too. (On Windows the
  // tree cannot be found once its root has exited.)
  if (child.pid !== undefined && process.platform !== 'win32') await signalProcessTree(child.pid, 'SIGKILL');
  const pipesClosed = new AbortController();
  await Promise.race([closed, options.clock.sleep(5000, pipesClosed.signal)]);
  pipesClosed.abort();
  stdout.end();
  stderr.end();
  return { exitCode: exit.code, signal: exit.signal, abort };
}

function launchFailure(launch: PackageLaunch, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `cannot start ${launch.command}: no such program (is it installed, and on the worker's PATH?)`;
    case 'EACCES':
      return `cannot start ${launch.command}: it is not executable (mark it executable before packing the project)`;
    default:
      return `cannot start ${launch.command}: ${error.message}`;
  }
}
