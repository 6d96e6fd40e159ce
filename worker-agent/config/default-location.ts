import { posix, win32 } from 'node:path';

/**
 * Where the worker keeps its settings file by default; its key, certificate, task folders, report cache and logs
 * go beside it unless the file says otherwise. `SCALEOUT_WORKER_CONFIG` or `--config` chooses another file.
 * - Windows: %ProgramData%\ScaleOutWorker\WorkerSettings.json
 * - Linux / macOS as root: /var/lib/scaleout-worker/WorkerSettings.json
 * - otherwise: ~/.scaleout-worker/WorkerSettings.json
 */
export function defaultConfigPath(options: {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  isRoot: boolean;
  homeDir: string;
}): string {
  if (options.env.SCALEOUT_WORKER_CONFIG) return options.env.SCALEOUT_WORKER_CONFIG;
  if (options.platform === 'win32') {
    return win32.join(options.env.ProgramData ?? 'C:\\ProgramData', 'ScaleOutWorker', settingsFileName);
  }
  return posix.join(options.isRoot ? '/var/lib/scaleout-worker' : posix.join(options.homeDir, '.scaleout-worker'), settingsFileName);
}

export const settingsFileName = 'WorkerSettings.json';
