import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project.js';

/** Azurite's well-known development account (public, documented by Microsoft). */
const devAccount = 'devstoreaccount1';
const devKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  /** Names both services (QueueEndpoint and BlobEndpoint). */
  connectionString: string;
  /** The queue service's port. */
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts Azurite for the local host: its queue service (event messages) and its blob service (project archives),
 * each on 127.0.0.1 and a free port, with data kept in `location` so both survive a restart.
 * `--skipApiVersionCheck` because the SDK speaks a newer API version than Azurite knows; `--disableTelemetry`
 * because it would otherwise try to reach the internet.
 */
export async function startAzurite(location: string): Promise<RunningAzurite> {
  mkdirSync(location, { recursive: true });
  const started = await Promise.allSettled([startService('queue', location), startService('blob', location)]);
  const [queue, blob] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  if (!queue || !blob) {
    await Promise.all([queue?.stop(), blob?.stop()]);
    throw (started.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason;
  }
  return {
    port: queue.port,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${devAccount};AccountKey=${devKey};` +
      `QueueEndpoint=http://127.0.0.1:${queue.port}/${devAccount};BlobEndpoint=http://127.0.0.1:${blob.port}/${devAccount};`,
    stop: async () => {
      await Promise.all([queue.stop(), blob.stop()]);
    },
  };
}

async function startService(service: 'queue' | 'blob', location: string): Promise<{ port: number; stop(): Promise<void> }> {
  const child = fork(
    join(projectRoot(), 'functions/local-host/azurite-process.cjs'),
    [
      service,
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      `--${service}Host`,
      '127.0.0.1',
      `--${service}Port`,
      '0',
      '--location',
      location,
    ],
    // Its own process group: a Ctrl-C in the terminal reaches the master, which stops its timers (a drain of the
    // queue under way finishes) and then Azurite, rather than Azurite dying under it. It still ends with the
    // master, however the master ends (azurite-process.cjs).
    { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: process.platform !== 'win32' },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`Azurite's ${service} service did not start within 30 s:\n${output}`)), 30_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /successfully listens on https?:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`Azurite's ${service} service exited (code ${code}) before it started:\n${output}`)));
  });
  // Keep draining its output so a chatty Azurite never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return { port, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
