import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asError } from './errors.js';
import type { Logger } from './log.js';
import { signalProcessTree } from './process-tree.js';

/** The file in a task folder that records its package's process id, for the cleanup after a crash. */
export const packagePidFileName = 'package.pid';

/**
 * After a crash the previous agent's task folders are still there, and on Linux and macOS its packages may still
 * run (they have their own process groups). Their leases are gone and the master hands the tasks out again, so
 * these processes are killed — on Linux only when /proc proves the process is that task's package, so a reused pid
 * is never hit — and the folders removed.
 */
export async function cleanLeftoverTasks(tasksFolder: string, log: Logger, platform: NodeJS.Platform = process.platform): Promise<void> {
  let names: string[];
  try {
    names = await readdir(tasksFolder);
  } catch {
    return;
  }
  for (const name of names) {
    const taskDir = join(tasksFolder, name);
    const pid = Number((await readFile(join(taskDir, packagePidFileName), 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && platform === 'linux' && (await isPackageOf(pid, taskDir))) {
      log.warn(`killing the package left running by a previous agent in ${taskDir} (pid ${pid})`);
      await signalProcessTree(pid, 'SIGKILL', platform);
    }
    try {
      await rm(taskDir, { recursive: true, force: true, maxRetries: 3 });
    } catch (thrown) {
      log.warn(`cannot remove the leftover task folder ${taskDir}: ${asError(thrown).message}`);
    }
  }
}

async function isPackageOf(pid: number, taskDir: string): Promise<boolean> {
  try {
    const environ = Buffer.concat([Buffer.from([0]), await readFile(`/proc/${pid}/environ`)]);
    return environ.includes(Buffer.from(`\0SCALEOUT_TASK_DIR=${taskDir}\0`));
  } catch {
    return false;
  }
}
