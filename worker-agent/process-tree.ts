import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { AgentClock } from './clock.js';

/**
 * A package's processes are a tree: the package may start its own children. Stopping a package must stop all of
 * them, or a canceled package keeps running as orphans. On Linux and macOS the package starts in its own process
 * group (detached) and the whole group is signalled; on Windows `taskkill /T` walks the tree. On Windows detached
 * also keeps the package off the agent's console, so the Ctrl+C with which the service wrapper stops the agent (a
 * drain) does not reach the packages too.
 */

export interface TreeSpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Open an IPC channel (the node runner's structured events). */
  ipc: boolean;
}

/** Spawns without a shell: the command and each argument reach the program exactly as given. */
export function spawnProcessTree(command: string, args: readonly string[], options: TreeSpawnOptions): ChildProcess {
  return spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    shell: false,
    detached: true,
    windowsHide: true,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
}

export type TreeSignal = 'SIGTERM' | 'SIGKILL';

/** Signals every process of the tree rooted at `pid`. A tree that is already gone is not an error. */
export async function signalProcessTree(pid: number, signal: TreeSignal, platform: NodeJS.Platform = process.platform): Promise<void> {
  if (platform === 'win32') {
    // Without /F taskkill asks the processes to close; console programs often ignore that, hence /F afterwards.
    const args = ['/T', ...(signal === 'SIGKILL' ? ['/F'] : []), '/PID', String(pid)];
    await new Promise<void>((resolve) => execFile('taskkill', args, { windowsHide: true }, () => resolve()));
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code !== 'ESRCH') throw thrown;
  }
}

/**
 * Stops a package's tree: SIGTERM, then SIGKILL once `graceMs` passed (or at once when `graceMs` is 0). The group
 * is killed even when the package itself exits quickly, so that children it left behind go too.
 */
export async function terminateProcessTree(
  child: ChildProcess,
  exited: Promise<unknown>,
  options: { graceMs: number; clock: AgentClock },
): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (options.graceMs > 0) {
    await signalProcessTree(pid, 'SIGTERM');
    const graceOver = new AbortController();
    await Promise.race([exited, options.clock.sleep(options.graceMs, graceOver.signal)]);
    graceOver.abort();
  }
  await signalProcessTree(pid, 'SIGKILL');
}
