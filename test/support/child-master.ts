import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { projectRoot } from '../../functions/project.js';

export interface ChildMaster {
  url: string;
  certificateThumbprint: string;
  /** Everything it printed so far, stdout and stderr. */
  output: string[];
  stop(): Promise<void>;
  /** Kills it with SIGKILL, as a crash would, and waits for it to be gone. */
  kill(): Promise<void>;
}

/**
 * A master as its own process, started from the compiled `dist/functions/local-host/main.js` (what `npm start`
 * runs), with settings from `env`. Resolves once it listens.
 */
export async function startChildMaster(env: Record<string, string>): Promise<ChildMaster> {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist/functions/local-host/main.js')], {
    cwd: projectRoot(),
    env: { PATH: process.env['PATH'] ?? '', SCALEOUT_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let buffered = '';
  const collect = (chunk: Buffer): void => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    output.push(...lines);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = output.map((line) => /listening on (https:\/\/\S+)/.exec(line)?.[1]).find(Boolean);
    const thumbprint = output.map((line) => /MasterHttpsCertThumbprint\): ([0-9a-f]{40})/.exec(line)?.[1]).find(Boolean);
    if (url && thumbprint) return { url, certificateThumbprint: thumbprint, output, stop, kill };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the master did not start:\n${output.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
