import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../clock.js';
import { parseMasterConfig } from '../config/master-config.js';
import { functionTable, type MasterFunction } from '../function-table.js';
import type { Logger } from '../http/api-request.js';
import type { HttpFunction } from '../http/define-handler.js';
import { consoleLogger, createMasterServices, type MasterServices } from '../master-services.js';
import { createAzureCredential } from '../identity/azure-credential.js';
import { createKeyStore } from '../secrets/create-key-store.js';
import { readHostQueueSettings } from '../queues/host-queue-settings.js';
import type { QueueFunction } from '../queues/queue-function.js';
import type { TimerFunction } from '../timers/timer-function.js';
import { startAzurite, type RunningAzurite } from './azurite.js';
import { listenHttps, type HttpsHost } from './server.js';
import { QueueRunner } from './queue-runner.js';
import { TimerRunner } from './timer-runner.js';

export interface LocalHost {
  /** e.g. https://localhost:8391 */
  url: string;
  port: number;
  services: MasterServices;
  /** SHA-1 thumbprint of the self-signed certificate: workers pin it (MasterHttpsCertThumbprint). */
  certificateThumbprint: string;
  certificatePem: string;
  timers: TimerRunner;
  queues: QueueRunner;
  stop(): Promise<void>;
}

export interface LocalHostOptions {
  /** The environment to read settings from. @default process.env */
  env?: Record<string, string | undefined>;
  clock?: Clock;
  log?: Logger;
  /** Fire the timers on their schedules. Tests that drive timers by hand turn this off. @default true */
  timers?: boolean;
  /** The functions to serve. The idle-cost benchmark serves the table's functions wrapped in meters. @default functionTable */
  functions?: readonly MasterFunction[];
}

/**
 * The master on one machine: the same function table as in Azure, served over HTTPS (a self-signed certificate
 * is created under .data/ on first start), the timers fired on their schedules, and Azurite started for the event
 * queue when no storage connection string is configured; the queue functions are fired from their queues.
 */
export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const env = { ...(options.env ?? process.env) };
  const log = options.log ?? consoleLogger;
  // Check every setting before starting anything.
  const settings = parseMasterConfig(env, 'local');
  const queueSettings = readHostQueueSettings(env);
  const functions = options.functions ?? functionTable;
  let azurite: RunningAzurite | undefined;
  let https: HttpsHost | undefined;
  let runner: TimerRunner | undefined;
  let queues: QueueRunner | undefined;
  let services: MasterServices | undefined;
  try {
    if (settings.eventQueue.storage.kind === 'azurite') {
      const dataFolder = dirname(resolve(settings.catalog.engine === 'sqlite' ? settings.catalog.path : '.data/catalog.sqlite'));
      azurite = await startAzurite(join(dataFolder, 'azurite'));
      env['AzureWebJobsStorage'] = azurite.connectionString;
    }
    const credential = createAzureCredential(settings.azureIdentity);
    const keyStore = createKeyStore(settings.keyStore, { credential });
    const hostnames = [...new Set([new URL(settings.masterAddress).hostname, 'localhost', hostname()])];
    const certificate = await keyStore.getMasterCertificate(hostnames);
    https = await listenHttps({ tls: certificate, host: settings.localHost.host, port: settings.localHost.port, log });
    // Now the port is known (it may have been 0): the master's address names it. A worker on another machine
    // names this one by its machine name, which its certificate carries too: accept that address as well.
    const aliases = [env['SCALEOUT_MASTER_ALIASES'], `https://${hostname()}:${https.port}`].filter(Boolean).join(',');
    const config = parseMasterConfig({ ...env, SCALEOUT_PORT: String(https.port), SCALEOUT_MASTER_ALIASES: aliases }, 'local');
    services = await createMasterServices(config, {
      ...(options.clock ? { clock: options.clock } : {}),
      log,
      keyStore,
      credential,
      tlsCertificate: { thumbprintSha1: certificate.thumbprintSha1, thumbprintSha256: certificate.thumbprintSha256 },
      ownAzurite: azurite !== undefined,
      // Store lines as soon as they are queued, so a live tail shows them within a moment.
      onEventsQueued: () => queues?.poke('storeEventMessages'),
    });
    https.serve(
      functions.filter((fn): fn is HttpFunction => fn.kind === 'http'),
      services,
    );
    runner = new TimerRunner(
      functions.filter((fn): fn is TimerFunction => fn.kind === 'timer'),
      services,
      log,
    );
    queues = new QueueRunner(
      functions.filter((fn): fn is QueueFunction => fn.kind === 'queue'),
      services,
      queueSettings,
      log,
    );
    queues.start();
    // The safety sweep runs at once: the dashboard shows the master online from the start, and the alarms are armed
    // again for whatever a stop left due (a restart must not wait two hours for them).
    runner.trigger('safetySweep');
    if (options.timers !== false) runner.start();
    log.info(`master ${services.version} started on https://localhost:${https.port}`, {
      catalog: config.catalog.engine === 'sqlite' ? config.catalog.path : config.catalog.engine,
      listening: `${settings.localHost.host}:${https.port}`,
    });
    const started = { https, runner, queues, services };
    return {
      url: `https://localhost:${https.port}`,
      port: https.port,
      services,
      certificateThumbprint: certificate.thumbprintSha1,
      certificatePem: certificate.certPem,
      timers: runner,
      queues,
      async stop() {
        await started.https.close();
        await started.runner.stop();
        await started.queues.stop();
        await started.services.close();
        await azurite?.stop();
        log.info('master stopped');
      },
    };
  } catch (error) {
    await https?.close();
    await runner?.stop();
    await queues?.stop();
    await services?.close();
    await azurite?.stop();
    throw error;
  }
}
