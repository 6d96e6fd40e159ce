import { readFileSync } from 'node:fs';

/**
 * Whether a process still runs. A killed process whose parent is gone may linger as a zombie until init reaps it
 * (in some containers init never does); a zombie runs no code, so it counts as not running.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}
