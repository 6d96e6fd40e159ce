import { readFile, rm, writeFile } from 'node:fs/promises';
import { asError } from './errors.js';

/** Another agent already runs with this configuration: two would run each other's task folders and reports. */
export class AgentAlreadyRunningError extends Error {
  constructor(
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(`another worker agent (pid ${pid}) already runs with this configuration (${lockFile})`);
    this.name = 'AgentAlreadyRunningError';
  }
}

/** The pid recorded in a lock file, if that process is still alive. */
export async function runningAgentPid(lockFile: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(lockFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (thrown) {
    return (asError(thrown) as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** Takes the lock (a file holding this process's pid); a lock left by a dead agent is taken over. */
export async function acquireAgentLock(lockFile: string): Promise<{ release(): Promise<void> }> {
  const holder = await runningAgentPid(lockFile);
  if (holder !== undefined && holder !== process.pid) throw new AgentAlreadyRunningError(holder, lockFile);
  await writeFile(lockFile, `${process.pid}\n`);
  return { release: () => rm(lockFile, { force: true }) };
}
