import { realpathSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { inSingleFile } from '../single-file.js';

/** What the commands read from the world, gathered once by main.ts so that commands stay plain functions. */
export interface CliContext {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  machineName: string;
  isRoot: boolean;
  homeDir: string;
  now(): Date;
  /** The script that runs this command (`bin/scaleout-worker.js`): what a service starts. None in the single-file executable, which is its own script. */
  scriptPath: string | undefined;
}

export function processCliContext(): CliContext {
  const script = inSingleFile ? undefined : process.argv[1];
  let scriptPath = script;
  try {
    if (script) scriptPath = realpathSync(script);
  } catch {
    // Keep it as given.
  }
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    platform: process.platform,
    machineName: hostname(),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    homeDir: homedir(),
    now: () => new Date(),
    scriptPath,
  };
}

/** The settings file a command works on, and whether the user named it (`--config`) or it is the default. */
export interface ConfigLocation {
  path: string;
  explicit: boolean;
}
