import { mkdir } from 'node:fs/promises';
import { enableScaleOut, getMasterStatus, listWorkers } from '../../contracts/management/endpoints.js';
import { parseMasterConfig } from '../../functions/config/master-config.js';
import type { Logger } from '../../functions/http/api-request.js';
import { startLocalHost, type LocalHost } from '../../functions/local-host/local-host.js';
import { ensureAdminKey, type AdminKey } from './admin-key.js';
import { deployExamples, type ExampleProject } from './examples.js';
import { prepareWorker, registerWorker, startWorkerProcess, type WorkerProcess, type WorkerSpec } from './local-workers.js';
import { managementApi, type ManagementApi } from './management.js';
import { dataPaths, type OneBoxSettings } from './settings.js';

export interface OneBoxOptions {
  settings: OneBoxSettings;
  workers: WorkerSpec[];
  /** Each folder under it with a scaleout.json is deployed to the Examples folder. */
  examplesFolder: string;
  /** What the one-box is doing, one line at a time. */
  say(line: string): void;
  /** The master's own log. */
  masterLog: Logger;
  /** Every line a worker prints. */
  workerLine(worker: WorkerSpec, line: string): void;
}

export interface LocalWorker {
  spec: WorkerSpec;
  workerAgentId: string;
  displayName: string;
  isEnabled: boolean;
}

export interface ReadyOneBox {
  /** e.g. https://localhost:8391 */
  url: string;
  /** SHA-1 of the master's self-signed certificate: the CLI and workers pin it. */
  thumbprint: string;
  adminKey: AdminKey;
  workers: LocalWorker[];
  projects: ExampleProject[];
  /** The management API, as the admin. */
  api: ManagementApi;
}

/** stop() was called while the one-box was starting. */
export class OneBoxStopped extends Error {
  constructor() {
    super('the one-box was stopped while it was starting');
    this.name = 'OneBoxStopped';
  }
}

/** How long workers get to show up online after they start (two cores, cold caches). */
const workersOnlineWithinMs = 120_000;

/**
 * SSIS Scale Out on one machine, put together with the same steps an administrator takes: the master (the local
 * Functions host, which starts Azurite), the first admin API key, Scale Out enabled, the example projects
 * deployed, and local workers created with `scaleout-worker init`, added by certificate through the management API,
 * enabled, and run with `scaleout-worker start`. Everything it starts, `stop()` stops: workers first (they drain),
 * then the master and Azurite. Its state lives in the data folder, so a restart finds it all again.
 */
export class OneBox {
  readonly #options: OneBoxOptions;
  #stopping: 'graceful' | 'force' | undefined;
  #host: LocalHost | undefined;
  #api: ManagementApi | undefined;
  readonly #processes: WorkerProcess[] = [];
  #started: Promise<ReadyOneBox> | undefined;
  #tornDown: Promise<void> | undefined;

  constructor(options: OneBoxOptions) {
    this.#options = options;
  }

  start(): Promise<ReadyOneBox> {
    this.#started ??= this.#start();
    return this.#started;
  }

  /**
   * Stops everything it started, whether it is running or still starting. Workers drain first (running packages
   * may finish within their DrainTimeout); `force` stops their packages at once instead.
   */
  async stop(options: { force?: boolean } = {}): Promise<void> {
    this.#stopping = options.force ? 'force' : (this.#stopping ?? 'graceful');
    if (options.force) await Promise.all(this.#processes.map((worker) => worker.stop({ force: true })));
    await this.#started?.catch(() => undefined);
    await this.#teardown(options.force ?? false);
  }

  async #start(): Promise<ReadyOneBox> {
    const { settings, say } = this.#options;
    try {
      await mkdir(settings.dataFolder, { recursive: true, mode: 0o700 });
      // Decided from the settings as given: the host hands its master Azurite's connection string once started.
      const queue = parseMasterConfig(settings.masterEnv, 'local').eventQueue.storage.kind === 'azurite' ? 'Azurite' : 'Azure Storage';
      const host = await startLocalHost({ env: settings.masterEnv, log: this.#options.masterLog });
      this.#host = host;
      this.#checkNotStopping();
      const config = host.services.config;
      const catalogPath = config.catalog.engine === 'sqlite' ? config.catalog.path : undefined;
      say(`Master listening on ${host.url}; catalog ${catalogPath ?? 'Azure SQL / SQL Server'}; event queue on ${queue}.`);

      const paths = dataPaths(settings.dataFolder);
      const adminKey = await ensureAdminKey(host.services.catalog, paths.adminKey);
      if (adminKey.replaced) say(`A new admin API key replaces the stored one: ${adminKey.replaced}.`);
      const api = managementApi(host.url, host.certificateThumbprint, adminKey.secret);
      this.#api = api;

      if (!(await api(getMasterStatus, {})).isScaleOutEnabled) {
        await api(enableScaleOut, {});
        say('Scale Out enabled (SSISDB enable_scaleout).');
      }
      this.#checkNotStopping();

      const projects = await deployExamples(api, this.#options.examplesFolder, paths.deployedExamples);
      for (const project of projects) {
        say(`${project.folderName}/${project.projectName} version ${project.versionNumber}: ${project.deployed ? 'deployed' : 'up to date'}.`);
      }
      this.#checkNotStopping();

      const workers: LocalWorker[] = [];
      const master = { url: host.url, thumbprint: host.certificateThumbprint };
      for (const spec of this.#options.workers) {
        const prepared = await prepareWorker(spec, paths.worker(spec.name), master);
        const registered = await registerWorker(api, prepared, spec.description);
        say(
          `Worker ${prepared.displayName}: ${[
            prepared.created ? 'initialized (scaleout-worker init)' : undefined,
            registered.added ? 'added by certificate and enabled' : registered.isEnabled ? 'registered' : 'registered but DISABLED (scaleout worker enable)',
          ]
            .filter(Boolean)
            .join(', ')}; settings ${prepared.configPath}.`,
        );
        this.#checkNotStopping();
        const process = startWorkerProcess(prepared, settings.masterEnv, (line) => this.#options.workerLine(spec, line));
        this.#processes.push(process);
        void process.exited.then((code) => {
          if (!this.#stopping) say(`Worker ${prepared.displayName} exited (code ${code}) while the one-box runs; its log: ${prepared.configPath.replace(/WorkerSettings\.json$/, 'logs')}`);
        });
        workers.push({
          spec,
          workerAgentId: registered.workerAgentId,
          displayName: prepared.displayName,
          isEnabled: registered.isEnabled,
        });
      }
      await this.#waitUntilOnline(api, workers);
      return { url: host.url, thumbprint: host.certificateThumbprint, adminKey, workers, projects, api };
    } catch (error) {
      // Stopped meanwhile: stop() tears down. Failed on its own: leave nothing running.
      if (!this.#stopping) await this.#teardown(false);
      throw error;
    }
  }

  /** Every local worker heard from (its first heartbeat), or the reason one is not. */
  async #waitUntilOnline(api: ManagementApi, workers: LocalWorker[]): Promise<void> {
    const deadline = Date.now() + workersOnlineWithinMs;
    for (;;) {
      this.#checkNotStopping();
      const dead = this.#processes.find((worker) => !worker.running());
      if (dead) throw new Error(`worker ${dead.name} exited before it came online:\n${dead.tail.toString()}`);
      const { workers: known } = await api(listWorkers, {});
      const waiting = workers.filter((w) => w.isEnabled && known.find((k) => k.workerAgentId === w.workerAgentId)?.status !== 'online');
      if (waiting.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`worker ${waiting[0]!.displayName} did not come online within ${workersOnlineWithinMs / 1000} s:\n${this.#processes.find((p) => p.name === waiting[0]!.spec.name)?.tail.toString() ?? ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  #checkNotStopping(): void {
    if (this.#stopping) throw new OneBoxStopped();
  }

  #teardown(force: boolean): Promise<void> {
    this.#tornDown ??= (async () => {
      await Promise.all(this.#processes.map((worker) => worker.stop({ force })));
      this.#api?.close();
      await this.#host?.stop();
    })();
    return this.#tornDown;
  }
}
