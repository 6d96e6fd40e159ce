import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../../functions/project.js';

/** The command users run: bin/scaleout-worker.js, which runs the compiled CLI in dist/ (built by global setup). */
export const cliScript = join(projectRoot(), 'bin/scaleout-worker.js');

/** How the agent is started: node with bin/scaleout-worker.js, or (the executables' tests) a single-file executable alone. */
export const cliCommand: readonly string[] = [process.execPath, cliScript];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, command: readonly string[] = cliCommand): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(command[0]!, [...command.slice(1), ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running command (`start`), with its output collected as it comes. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  command: readonly string[] = cliCommand,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(command[0]!, [...command.slice(1), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
