import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { addWorker, enableWorker, listWorkers } from '../../contracts/management/endpoints.js';
import { projectRoot } from '../../functions/project.js';
import { forEachLine, LineTail } from './lines.js';
import type { ManagementApi } from './management.js';

/** A local worker as `scaleout-worker init` left it: its settings file and its certificate. */
export interface PreparedWorker {
  name: string;
  configPath: string;
  displayName: string;
  certificatePem: string;
  /** SHA-1, lowercase hex. */
  thumbprint: string;
  /** Created by this start (`scaleout-worker init` ran). */
  created: boolean;
}

export interface WorkerSpec {
  /** Its folder under the data folder's workers/. */
  name: string;
  displayName: string;
  description: string;
  maxTaskCount?: number;
}

const workerCli = (): string => join(projectRoot(), 'bin', 'scaleout-worker.js');

/**
 * Gives a local worker its identity and settings the way a user does on a worker machine: `scaleout-worker init`
 * (a new key, a self-signed certificate, WorkerSettings.json) pinning the one-box master's certificate. A worker
 * initialized by an earlier start keeps its identity; only its master address and pin follow the master (the port
 * may have changed).
 */
export async function prepareWorker(
  spec: WorkerSpec,
  folder: string,
  master: { url: string; thumbprint: string },
): Promise<PreparedWorker> {
  const configPath = join(folder, 'WorkerSettings.json');
  const created = !existsSync(configPath);
  if (created) {
    await runToCompletion(process.execPath, [
      workerCli(),
      'init',
      '--config', configPath,
      '--master', master.url,
      '--master-thumbprint', master.thumbprint,
      '--name', spec.displayName,
      '--description', spec.description,
      ...(spec.maxTaskCount !== undefined ? ['--max-tasks', String(spec.maxTaskCount)] : []),
    ]);
  }
  const settings = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  const wanted: Record<string, unknown> = {
    MasterEndpoint: master.url,
    MasterHttpsCertThumbprint: master.thumbprint.toUpperCase(),
    // The master shares this machine with its workers: its own load must not hold back the workers it feeds.
    TaskRequestMaxCPU: 100,
  };
  if (Object.entries(wanted).some(([name, value]) => String(settings[name]).toLowerCase() !== String(value).toLowerCase())) {
    Object.assign(settings, wanted);
    await writeFile(`${configPath}.tmp`, `${JSON.stringify(settings, null, 2)}\n`);
    await rename(`${configPath}.tmp`, configPath);
  }
  const certificatePem = readFileSync(resolve(folder, String(settings['WorkerCertificateFile'])), 'utf8');
  return {
    name: spec.name,
    configPath,
    displayName: String(settings['DisplayName']),
    certificatePem,
    thumbprint: new X509Certificate(certificatePem).fingerprint.replace(/:/g, '').toLowerCase(),
    created,
  };
}

export interface RegisteredWorker {
  workerAgentId: string;
  /** Added (and enabled) by this start. */
  added: boolean;
  isEnabled: boolean;
}

/**
 * Registers the worker through the management API as `scaleout worker add` does (by its certificate; new workers
 * start disabled, as in SSIS) and enables it. A worker already registered is left as it is: an administrator may
 * have disabled it on purpose.
 */
export async function registerWorker(api: ManagementApi, worker: PreparedWorker, description: string): Promise<RegisteredWorker> {
  const { workers } = await api(listWorkers, {});
  const known = workers.find((w) => w.certificate.thumbprintSha1?.toLowerCase() === worker.thumbprint);
  if (known) return { workerAgentId: known.workerAgentId, added: false, isEnabled: known.isEnabled };
  const added = await api(addWorker, {
    body: { certificate: worker.certificatePem, displayName: worker.displayName, description, machineName: hostname() },
  });
  const workerAgentId = added.worker?.workerAgentId;
  if (!workerAgentId) throw new Error(`the master added ${worker.displayName} but did not say its id`);
  await api(enableWorker, { params: { workerAgentId } });
  return { workerAgentId, added: true, isEnabled: true };
}

/** A running `scaleout-worker start`, a child of the one-box. */
export interface WorkerProcess {
  name: string;
  pid: number | undefined;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** What it printed last, for an error message. */
  tail: LineTail;
  running(): boolean;
  /** First call: drain (SIGTERM). With `force`, or a second call: stop its packages at once. */
  stop(options?: { force?: boolean }): Promise<void>;
}

/**
 * Starts `scaleout-worker start --config …` for a prepared worker. It runs in its own process group, so a Ctrl-C
 * in the terminal reaches only the one-box, which stops the workers first (a worker that saw the Ctrl-C itself
 * and then the one-box's signal would take it as a second, forceful one); supervised-worker.ts makes it drain
 * when the one-box goes away without stopping it.
 */
export function startWorkerProcess(
  worker: PreparedWorker,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./supervised-worker.js', import.meta.url)), 'start', '--config', worker.configPath],
    {
      cwd: projectRoot(),
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: process.platform !== 'win32',
    },
  );
  const tail = new LineTail();
  const collect = (line: string): void => {
    tail.push(line);
    onLine(line);
  };
  forEachLine(child.stdout!, collect);
  forEachLine(child.stderr!, collect);
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => resolveExit(code));
    child.once('error', (error) => {
      collect(`could not start: ${error.message}`);
      resolveExit(127);
    });
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return { name: worker.name, pid: child.pid, exited, tail, running, stop: stopper(child, running, exited) };
}

/**
 * The agent drains on its first signal and stops its packages at once on a second one. Two different signals
 * (SIGTERM, then SIGINT) so that they are never merged into one, as two of the same sent together may be.
 */
function stopper(child: ChildProcess, running: () => boolean, exited: Promise<number | null>): WorkerProcess['stop'] {
  let sent = 0;
  return async (options = {}) => {
    if (!running()) return;
    if (sent === 0) {
      child.kill('SIGTERM');
      sent = 1;
    }
    if (options.force && sent === 1) {
      child.kill('SIGINT');
      sent = 2;
    }
    if (sent < 2) {
      await exited;
      return;
    }
    // Forced: the agent kills its packages' process groups and exits within moments; if not, it is killed.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

async function runToCompletion(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new LineTail();
  forEachLine(child.stdout, (line) => tail.push(line));
  forEachLine(child.stderr, (line) => tail.push(line));
  const code = await new Promise<number | null>((resolveExit, reject) => {
    child.once('exit', resolveExit);
    child.once('error', reject);
  });
  if (code !== 0) throw new Error(`scaleout-worker ${args[1]} failed (exit code ${code}):\n${tail.toString()}`);
}
