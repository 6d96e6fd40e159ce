import type { TokenCredential } from '@azure/identity';
import { ManagementAuthenticator } from './auth/management-authenticator.js';
import { TaskCredentials } from './auth/task-credentials.js';
import { WorkerAuthenticator } from './auth/worker-authenticator.js';
import type { Catalog } from './catalog/catalog.js';
import { createCatalog } from './catalog/create-catalog.js';
import type { CatalogEngine } from './catalog/engine.js';
import { openCatalogEngine } from './catalog/open-catalog-engine.js';
import { AesGcmValueCipher } from './catalog/value-cipher.js';
import { Alarms } from './alarms/alarms.js';
import { ClaimsHeldHere } from './claims/claims-held-here.js';
import { StorageDoorbell, type Doorbell } from './claims/doorbell.js';
import { WorkSignal } from './claims/work-signal.js';
import { systemClock, type Clock } from './clock.js';
import type { MasterConfig } from './config/master-config.js';
import { StorageQueue } from './queues/storage-queue.js';
import type { Logger } from './http/api-request.js';
import { createAzureCredential } from './identity/azure-credential.js';
import { createKeyStore } from './secrets/create-key-store.js';
import type { KeyStore } from './secrets/key-store.js';
import { projectVersion } from './project.js';
import { BlobArchiveStore, type ArchiveStore } from './projects/archive-store.js';
import { BlobAgentDownloads, FolderAgentDownloads, type AgentDownloadStore } from './agent-downloads/agent-download-store.js';
import { moveArchivesToStore } from './projects/move-archives-to-store.js';
import { WorkerOnlineWrites } from './workers/online-writes.js';

/** Everything the master's functions use, built once per process (the composition root). */
export interface MasterServices {
  config: MasterConfig;
  clock: Clock;
  log: Logger;
  catalog: Catalog;
  catalogEngine: CatalogEngine['kind'];
  keyStore: KeyStore;
  /** Event messages on their way to the catalog (Azure); read by the storeEventMessages queue function. */
  eventQueue: StorageQueue;
  /** The master's alarms (durable timers), read by the masterAlarm queue function. */
  alarmQueue: StorageQueue;
  alarms: Alarms;
  /** Project archives (Blob Storage; Azurite's blob service on one machine). */
  archiveStore: ArchiveStore;
  /** The agent build handed out to worker machines (docs/adr/0004-the-worker-as-single-file-executables.md). */
  agentDownloads: AgentDownloadStore;
  workSignal: WorkSignal;
  /** The workers whose claims this instance holds (the one-box): the signal wakes them, their bells need not ring. */
  claimsHeldHere: ClaimsHeldHere;
  /** The workers' doorbells, which cross instances; null when the master has none (see MasterConfig.doorbell). */
  doorbell: Doorbell | null;
  workerAuth: WorkerAuthenticator;
  /** When this instance last wrote each idle worker's online time (SCALEOUT_WORKER_ONLINE_WRITE_MS). */
  onlineWrites: WorkerOnlineWrites;
  managementAuth: ManagementAuthenticator;
  taskCredentials: TaskCredentials;
  version: string;
  /** Thumbprints (hex) of the certificate this process serves HTTPS with; null when the platform terminates TLS. */
  tlsCertificate: TlsThumbprints | null;
  /** Called after event messages were queued: the local host looks at the queue at once. */
  onEventsQueued(): void;
  /** The event queue is the one-box's own Azurite: event lines are committed to the catalog instead (post-events). */
  ownAzurite: boolean;
  /** Catalog queries issued by this process (the dispatch benchmark reads it). */
  readonly catalogQueryCount: number;
  close(): Promise<void>;
}

export interface TlsThumbprints {
  thumbprintSha1: string;
  thumbprintSha256: string;
}

export interface MasterServiceOverrides {
  clock?: Clock;
  log?: Logger;
  keyStore?: KeyStore;
  doorbell?: Doorbell | null;
  archiveStore?: ArchiveStore;
  tlsCertificate?: TlsThumbprints | null;
  /** The queue is an Azurite the local host started itself (the one-box), which saves its state only every few seconds. */
  ownAzurite?: boolean;
  /** The Azure credential, when the caller already built it (the local host, for its key store). */
  credential?: TokenCredential;
  onEventsQueued?: () => void;
}

/**
 * Builds the master's services from its configuration. Connects to nothing but what it must to migrate the
 * catalog (and, once, to move the archives an older catalog holds to the archive store); the queue and key store
 * connect on first use.
 */
export async function createMasterServices(config: MasterConfig, overrides: MasterServiceOverrides = {}): Promise<MasterServices> {
  const clock = overrides.clock ?? systemClock;
  const log = overrides.log ?? consoleLogger;
  let catalogQueryCount = 0;
  const countQueries = (): void => {
    catalogQueryCount++;
  };
  const credential = overrides.credential ?? createAzureCredential(config.azureIdentity);
  const engine = await openCatalogEngine(config.catalog, { log: countQueries, credential });
  await engine.migrate();

  const keyStore = overrides.keyStore ?? createKeyStore(config.keyStore, { credential });
  const workSignal = new WorkSignal();
  const catalog = createCatalog({
    engine,
    clock,
    cipher: new AesGcmValueCipher(await keyStore.getDataKey()),
    leaseMs: config.leaseMs,
    taskQueued: () => workSignal.notify(),
  });
  const eventQueue = createQueue(config, credential, config.eventQueue.name);
  const alarmQueue = createQueue(config, credential, config.alarmQueueName);
  const alarms = new Alarms(alarmQueue, clock, config.leaseMs, log);
  const doorbell =
    overrides.doorbell !== undefined
      ? overrides.doorbell
      : config.doorbell && new StorageDoorbell(config.doorbell.connectionString, clock);
  const archiveStore = overrides.archiveStore ?? createArchiveStore(config, credential);
  await moveArchivesToStore(catalog, archiveStore, log);

  return {
    config,
    clock,
    log,
    catalog,
    catalogEngine: engine.kind,
    keyStore,
    eventQueue,
    alarmQueue,
    alarms,
    archiveStore,
    agentDownloads: createAgentDownloadStore(config, credential),
    workSignal,
    claimsHeldHere: new ClaimsHeldHere(clock, config.claimMaxWaitMs),
    doorbell,
    workerAuth: new WorkerAuthenticator(catalog, config.masterAddresses, clock, config.workerOfflineAfterMs),
    onlineWrites: new WorkerOnlineWrites(config.workerOnlineWriteMs),
    managementAuth: new ManagementAuthenticator(catalog, config.entraAuth, clock),
    taskCredentials: new TaskCredentials(await keyStore.getTokenSigningKey(), config.masterAddress, config.masterAddresses, catalog, clock),
    version: projectVersion(),
    tlsCertificate: overrides.tlsCertificate ?? null,
    onEventsQueued: overrides.onEventsQueued ?? (() => undefined),
    ownAzurite: overrides.ownAzurite ?? false,
    get catalogQueryCount() {
      return catalogQueryCount;
    },
    async close() {
      await alarms.settle();
      await catalog.close();
    },
  };
}

/** A queue of the master's storage account (the event queue's). */
function createQueue(config: MasterConfig, credential: TokenCredential, name: string): StorageQueue {
  const { storage } = config.eventQueue;
  switch (storage.kind) {
    case 'connection-string':
      return StorageQueue.fromConnectionString(storage.connectionString, name);
    case 'managed-identity':
      return StorageQueue.fromManagedIdentity(storage.queueServiceUri, credential, name);
    case 'azurite':
      // Only the local host starts Azurite itself; under `func start` the platform's storage setting is needed.
      throw new Error('AzureWebJobsStorage is not set: give a storage connection string (UseDevelopmentStorage=true for Azurite)');
  }
}

function createArchiveStore(config: MasterConfig, credential: TokenCredential): ArchiveStore {
  const { container, storage } = config.projectArchives;
  switch (storage.kind) {
    case 'connection-string':
      return BlobArchiveStore.fromConnectionString(storage.connectionString, container);
    case 'managed-identity':
      return BlobArchiveStore.fromManagedIdentity(storage.blobServiceUri, credential, container);
    case 'azurite':
      throw new Error('the local host must start Azurite and give its connection string before the services are built');
  }
}

function createAgentDownloadStore(config: MasterConfig, credential: TokenCredential): AgentDownloadStore {
  const downloads = config.agentDownloads;
  if (downloads.kind === 'folder') return new FolderAgentDownloads(downloads.folder);
  switch (downloads.storage.kind) {
    case 'connection-string':
      return BlobAgentDownloads.fromConnectionString(downloads.storage.connectionString, downloads.container);
    case 'managed-identity':
      return BlobAgentDownloads.fromManagedIdentity(downloads.storage.blobServiceUri, credential, downloads.container);
    case 'azurite':
      throw new Error('an Azure master reads the agent build from its storage account, which AzureWebJobsStorage names');
  }
}

export const consoleLogger: Logger = {
  info: (message, details) => console.log(format('info', message, details)),
  warn: (message, details) => console.warn(format('warn', message, details)),
  error: (message, details) => console.error(format('error', message, details)),
};

function format(level: string, message: string, details?: Record<string, unknown>): string {
  return `${new Date().toISOString()} ${level} ${message}${details ? ` ${JSON.stringify(details)}` : ''}`;
}
