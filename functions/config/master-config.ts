import { z } from 'zod';
import { ValidationError } from '../catalog/errors.js';
import { checkSchedule } from '../catalog/schedule-times.js';

/**
 * The master's configuration: app settings in Azure, environment variables (or local.settings.json) on one machine.
 * Parsed once, at start, by a pure function of the environment; every bad setting is reported, not just the first.
 * Defaults follow SSIS's MasterSettings.config where it has one.
 */

/**
 * A timer's NCRONTAB schedule (6 fields, seconds first, UTC), checked with croner as schedules are
 * (`checkSchedule`) and by the same library the local host's timers run on: a field out of range or a schedule
 * that never fires is refused at start, not found when a timer is silent.
 */
const ncrontab = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = ncrontabProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function ncrontabProblem(value: string): string | undefined {
  const expected = 'an NCRONTAB expression with 6 fields (seconds first)';
  if (value.split(/\s+/).length !== 6) return expected;
  try {
    checkSchedule(value, 'UTC');
  } catch (error) {
    return `${expected}: ${error instanceof ValidationError ? error.errors.map((e) => e.reason).join('; ') : String(error)}`;
  }
  return undefined;
}

const queueName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/, 'an Azure queue name: 3-63 lowercase letters, digits and single dashes');

const milliseconds = (fallback: number, min: number) => z.coerce.number().int().min(min).default(fallback);

const trueFalse = z
  .enum(['true', 'false', 'True', 'False', '1', '0'])
  .default('false')
  .transform((value) => value === 'true' || value === 'True' || value === '1');

/** Every setting the master reads, with its default. */
export const masterSettingsSchema = z.object({
  /**
   * Where the master runs: `azure` (Azure SQL, Key Vault and the app's identity required) or `local` (the embedded
   * default). Unset, it is `azure` when the App Service platform names the site (WEBSITE_SITE_NAME), else `local`.
   */
  SCALEOUT_HOSTING: z.enum(['azure', 'local']).optional(),
  /** The address workers and clients use to reach the master (the audience of worker tokens). */
  SCALEOUT_MASTER_ADDRESS: z.url({ protocol: /^https?$/ }).optional(),
  /** More addresses the master answers to (comma-separated), e.g. its IP next to its DNS name. */
  SCALEOUT_MASTER_ALIASES: z.string().optional(),
  /** Azure SQL / SQL Server connection string; without it the catalog is the SQLite file below. */
  SCALEOUT_CATALOG_CONNECTION: z.string().min(1).optional(),
  /**
   * Connections each master process keeps to SQL Server. Every instance has its own pool: the Bicep sets this with
   * the instance cap so that instances × pool stays within the database's concurrent workers.
   */
  SCALEOUT_CATALOG_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  SCALEOUT_CATALOG_SQLITE_PATH: z.string().min(1).default('.data/catalog.sqlite'),
  /** SQLite durability: FULL survives power loss (default), NORMAL only a process crash. */
  SCALEOUT_CATALOG_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /** Key Vault holding the master's keys and certificate; without it, files in SCALEOUT_KEY_FOLDER. */
  SCALEOUT_KEY_VAULT_URL: z.url({ protocol: /^https$/ }).optional(),
  SCALEOUT_KEY_FOLDER: z.string().min(1).default('.data/keys'),
  /** The Azure Storage queue event messages pass through (3–63 lowercase letters, digits, dashes). */
  SCALEOUT_EVENT_QUEUE_NAME: queueName.default('scaleout-events'),
  /** The queue of the master's alarms (durable timers: the lease check, the next schedule), beside the event queue. */
  SCALEOUT_ALARM_QUEUE_NAME: queueName.default('scaleout-alarms'),
  /** The blob container project archives are kept in, in the same storage account as the queue. */
  SCALEOUT_ARCHIVE_CONTAINER: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/, 'an Azure blob container name: 3-63 lowercase letters, digits and single dashes')
    .default('project-archives'),
  /**
   * Where a local master finds the agent build it hands out (`GET /api/v1/agent/downloads`): the folder
   * `npm run build:worker` writes.
   */
  SCALEOUT_AGENT_DOWNLOADS_FOLDER: z.string().min(1).default('dist/worker'),
  /** In Azure, the blob container of the same storage account the agent build is uploaded to. */
  SCALEOUT_AGENT_DOWNLOADS_CONTAINER: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/, 'an Azure blob container name: 3-63 lowercase letters, digits and single dashes')
    .default('agent-downloads'),
  /** The queue's storage: a connection string (`UseDevelopmentStorage=true` is Azurite on its default ports)… */
  AzureWebJobsStorage: z.string().min(1).optional(),
  /** …or, in Azure, the account reached with the app's managed identity. */
  AzureWebJobsStorage__accountName: z.string().min(3).optional(),
  AzureWebJobsStorage__queueServiceUri: z.url({ protocol: /^https$/ }).optional(),
  AzureWebJobsStorage__blobServiceUri: z.url({ protocol: /^https$/ }).optional(),
  AzureWebJobsStorage__credential: z.literal('managedidentity').optional(),
  AzureWebJobsStorage__clientId: z.string().optional(),
  /**
   * In Azure, the client id of the user-assigned identity the master reaches Azure SQL, Key Vault and Storage
   * with; unset, the app's system-assigned identity (or the one AzureWebJobsStorage__clientId names).
   */
  SCALEOUT_MANAGED_IDENTITY_CLIENT_ID: z.string().min(1).optional(),
  /** How long a task's lease lasts without a heartbeat. */
  SCALEOUT_LEASE_MS: milliseconds(20_000, 500),
  /**
   * The longest a worker's claim may wait for work. Default 25 s on one machine (work started there wakes it in
   * milliseconds); 0 in Azure, where a request held open is billed and idle workers wait for their doorbell instead.
   */
  SCALEOUT_CLAIM_MAX_WAIT_MS: z.coerce.number().int().min(0).max(120_000).optional(),
  /**
   * The storage account of the workers' doorbells, as a connection string with its account key (which signs each
   * worker's SAS; in Azure a Key Vault reference). Default on one machine: the event queue's (Azurite).
   */
  SCALEOUT_DOORBELL_CONNECTION: z.string().min(1).optional(),
  /**
   * An idle worker's heartbeat reaches the catalog at most this often (its online time); in between the instance
   * answers from memory, so an idle fleet lets a serverless database pause.
   */
  SCALEOUT_WORKER_ONLINE_WRITE_MS: milliseconds(300_000, 0),
  /**
   * How often an idle, enabled worker that holds a doorbell need send its heartbeat (the heartbeat answer says it).
   * Default 10 min in Azure, where each heartbeat is a billed second of an instance and the doorbell, not the
   * heartbeat, brings the worker its work; on one machine the workers keep their own AgentHeartbeatInterval.
   */
  SCALEOUT_WORKER_IDLE_HEARTBEAT_MS: z.coerce.number().int().min(1000).optional(),
  /**
   * A worker not heard from for this long is shown offline: by default twice the longer of
   * SCALEOUT_WORKER_ONLINE_WRITE_MS and SCALEOUT_WORKER_IDLE_HEARTBEAT_MS.
   */
  SCALEOUT_WORKER_OFFLINE_AFTER_MS: z.coerce.number().int().min(1000).optional(),
  /**
   * The one slow sweep behind the alarms (SSIS's master heartbeat, lease sweep and schedule check in one): writes
   * the master's online time, catches a lease or schedule whose alarm was lost and arms both alarms again. Every
   * 2 h: longer than a serverless database's default auto-pause delay (1 h), so an idle catalog pauses between.
   */
  SCALEOUT_SAFETY_SWEEP_SCHEDULE: ncrontab.default('0 0 */2 * * *'),
  /** SSIS CleanupCompletedJobsIntervalInMs 43200000 (12 h). */
  SCALEOUT_CLEANUP_SCHEDULE: ncrontab.default('0 0 */12 * * *'),
  /** App Service authentication (Entra ID) fronts the management API: trust its principal header. */
  SCALEOUT_ENTRA_AUTH: trueFalse,
  /** The local host's HTTPS port (SSIS PortNumber 8391). */
  SCALEOUT_PORT: z.coerce.number().int().min(0).max(65535).default(8391),
  /** The local host's listening address: 0.0.0.0 to accept workers from other machines. */
  SCALEOUT_HOST: z.string().min(1).default('127.0.0.1'),
});

/** Settings the Azure Functions platform and its extensions read; the master accepts and ignores them. */
export const platformSettingNames = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'AzureWebJobsFeatureFlags',
  'AzureFunctionsJobHost__logging__logLevel__default',
] as const;

/**
 * Settings of the other components, which share the SCALEOUT_ prefix: one shell may run `npm start` and the
 * `scaleout` CLI, or a worker beside the master. The master leaves them alone.
 */
export const otherComponentSettingNames = [
  // the manager CLI
  'SCALEOUT_MASTER',
  'SCALEOUT_API_KEY',
  'SCALEOUT_MASTER_THUMBPRINT',
  'SCALEOUT_CONFIG',
  'SCALEOUT_DEBUG',
  // the worker agent
  'SCALEOUT_WORKER_CONFIG',
  'SCALEOUT_PFX_PASSWORD',
  'SCALEOUT_DTEXEC',
  // the one-box (npm start): where it keeps its state; it sets the master's catalog and key paths from it
  'SCALEOUT_DATA_FOLDER',
] as const;

/** What Azure must give the master: no embedded fallback makes sense there. */
export const azureRequiredSettingNames = [
  'SCALEOUT_MASTER_ADDRESS',
  'SCALEOUT_CATALOG_CONNECTION',
  'SCALEOUT_KEY_VAULT_URL',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'SCALEOUT_DOORBELL_CONNECTION',
] as const;

export type Hosting = 'azure' | 'local';

/**
 * The hosting the settings name, so one entry point (the @azure/functions registration) serves both Azure and
 * `func start` on a developer's machine. An invalid SCALEOUT_HOSTING is left to parseMasterConfig to report.
 */
export function hostingOf(env: Record<string, string | undefined>): Hosting {
  const explicit = env['SCALEOUT_HOSTING'];
  if (explicit === 'azure' || explicit === 'local') return explicit;
  return env['WEBSITE_SITE_NAME'] ? 'azure' : 'local';
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * The address to give a worker that is to connect: the configured one, unless that is a loopback address while the
 * local host listens beyond loopback (`SCALEOUT_HOST=0.0.0.0`), where another machine needs an alias that names
 * this one (its machine name, which the local host adds and its certificate carries).
 */
export function workerFacingAddress(config: Pick<MasterConfig, 'masterAddress' | 'masterAddresses' | 'localHost'>): string {
  const isLoopback = (address: string): boolean => loopbackHosts.has(new URL(address).hostname);
  if (!isLoopback(config.masterAddress) || loopbackHosts.has(config.localHost.host)) return config.masterAddress;
  return config.masterAddresses.find((address) => !isLoopback(address)) ?? config.masterAddress;
}

export interface MasterConfig {
  hosting: Hosting;
  /** Normalised (lowercase scheme and host, no trailing slash). */
  masterAddress: string;
  /** Every address a worker token may name as its audience. */
  masterAddresses: string[];
  catalog:
    | { engine: 'mssql'; connectionString: string; poolSize: number }
    | { engine: 'sqlite'; path: string; synchronous: 'FULL' | 'NORMAL' };
  keyStore: { kind: 'key-vault'; vaultUrl: string } | { kind: 'files'; folder: string };
  /**
   * Who the master is to Azure (SQL, Key Vault, Storage): in Azure its managed identity, nothing else probed;
   * on one machine the developer's own sign-in (Azure CLI, environment), for a master pointed at Azure resources.
   */
  azureIdentity: { kind: 'managed-identity'; clientId?: string } | { kind: 'developer' };
  /** The master's alarms: a queue of the event queue's storage account. */
  alarmQueueName: string;
  eventQueue: {
    name: string;
    storage:
      | { kind: 'connection-string'; connectionString: string }
      | { kind: 'managed-identity'; queueServiceUri: string }
      /** The local host starts Azurite itself. */
      | { kind: 'azurite' };
  };
  /** Project archives: blobs in this container of the same storage account. */
  projectArchives: {
    container: string;
    storage:
      | { kind: 'connection-string'; connectionString: string }
      | { kind: 'managed-identity'; blobServiceUri: string }
      | { kind: 'azurite' };
  };
  /** The agent build the master hands out: a folder on one machine, a blob container of the archives' account in Azure. */
  agentDownloads:
    | { kind: 'folder'; folder: string }
    | { kind: 'blob'; container: string; storage: MasterConfig['projectArchives']['storage'] };
  leaseMs: number;
  claimMaxWaitMs: number;
  /** Where the workers' doorbells are; null when the queue is reached with an identity and no doorbell is set. */
  doorbell: { connectionString: string } | null;
  workerOnlineWriteMs: number;
  /** How often idle workers with a doorbell need beat; null: as often as they choose (AgentHeartbeatInterval). */
  workerIdleHeartbeatMs: number | null;
  workerOfflineAfterMs: number;
  schedules: { safetySweep: string; cleanup: string };
  entraAuth: boolean;
  localHost: { port: number; host: string };
}

/** The configuration is wrong; `problems` names each setting and why. */
export class ConfigError extends Error {
  constructor(readonly problems: { setting: string; reason: string }[]) {
    super(`invalid master configuration:\n${problems.map((p) => `  ${p.setting}: ${p.reason}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function normaliseAddress(address: string): string {
  const url = new URL(address);
  return `${url.protocol}//${url.host}`.toLowerCase();
}

/** SCALEOUT_WORKER_IDLE_HEARTBEAT_MS in Azure unless set. */
export const azureIdleHeartbeatMs = 600_000;

/** Parses the master's configuration; throws ConfigError listing every bad setting. */
export function parseMasterConfig(env: Record<string, string | undefined>, hosting: Hosting): MasterConfig {
  const problems: { setting: string; reason: string }[] = [];
  const known = new Set<string>(Object.keys(masterSettingsSchema.shape));
  const others = new Set<string>(otherComponentSettingNames);
  for (const key of Object.keys(env)) {
    // A misspelt setting would silently fall back to its default: refuse it instead.
    if (key.startsWith('SCALEOUT_') && !known.has(key) && !others.has(key)) {
      problems.push({ setting: key, reason: 'unknown setting (the master reads the settings listed in the README)' });
    }
  }
  const input = Object.fromEntries([...known].map((key) => [key, env[key] === '' ? undefined : env[key]]));
  const parsed = masterSettingsSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ setting: String(issue.path[0]), reason: issue.message });
  }
  if (parsed.success && parsed.data.SCALEOUT_HOSTING && parsed.data.SCALEOUT_HOSTING !== hosting) {
    problems.push({ setting: 'SCALEOUT_HOSTING', reason: `this entry point runs the master with hosting '${hosting}'` });
  }
  if (hosting === 'azure') {
    for (const name of azureRequiredSettingNames) {
      if (!env[name]) problems.push({ setting: name, reason: 'required when the master runs in Azure' });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const s = parsed.data;

  const masterAddress = normaliseAddress(s.SCALEOUT_MASTER_ADDRESS ?? `https://localhost:${s.SCALEOUT_PORT}`);
  const aliases = (s.SCALEOUT_MASTER_ALIASES ?? '')
    .split(',')
    .map((alias) => alias.trim())
    .filter((alias) => alias !== '');
  const masterAddresses = new Set([masterAddress]);
  for (const alias of aliases) {
    try {
      masterAddresses.add(normaliseAddress(alias));
    } catch {
      problems.push({ setting: 'SCALEOUT_MASTER_ALIASES', reason: `'${alias}' is not a URL` });
    }
  }
  if (hosting === 'local') {
    // The one-box answers to every loopback spelling of itself.
    const port = new URL(masterAddress).port;
    for (const host of ['localhost', '127.0.0.1', '[::1]']) masterAddresses.add(`https://${host}${port ? `:${port}` : ''}`);
  }

  let storage: MasterConfig['eventQueue']['storage'];
  // The Storage SDK reads `UseDevelopmentStorage=true` as Azurite on 127.0.0.1's default ports (func start's setup).
  if (s.AzureWebJobsStorage) {
    storage = { kind: 'connection-string', connectionString: s.AzureWebJobsStorage };
  } else if (s.AzureWebJobsStorage__accountName || s.AzureWebJobsStorage__queueServiceUri) {
    storage = {
      kind: 'managed-identity',
      queueServiceUri:
        s.AzureWebJobsStorage__queueServiceUri ?? `https://${s.AzureWebJobsStorage__accountName}.queue.core.windows.net`,
    };
  } else if (hosting === 'local') {
    storage = { kind: 'azurite' };
  } else {
    problems.push({ setting: 'AzureWebJobsStorage__accountName', reason: 'the event queue needs a storage account' });
    storage = { kind: 'azurite' };
  }
  const doorbellConnection =
    s.SCALEOUT_DOORBELL_CONNECTION ?? (storage.kind === 'connection-string' ? storage.connectionString : undefined);
  const idleHeartbeatMs = s.SCALEOUT_WORKER_IDLE_HEARTBEAT_MS ?? (hosting === 'azure' ? azureIdleHeartbeatMs : null);
  const clientId = s.SCALEOUT_MANAGED_IDENTITY_CLIENT_ID ?? s.AzureWebJobsStorage__clientId;
  if (s.SCALEOUT_MANAGED_IDENTITY_CLIENT_ID && s.AzureWebJobsStorage__clientId && s.SCALEOUT_MANAGED_IDENTITY_CLIENT_ID !== s.AzureWebJobsStorage__clientId) {
    problems.push({
      setting: 'SCALEOUT_MANAGED_IDENTITY_CLIENT_ID',
      reason: 'names another identity than AzureWebJobsStorage__clientId: the master uses one identity for all of Azure',
    });
  }
  let archiveStorage: MasterConfig['projectArchives']['storage'];
  if (storage.kind === 'managed-identity') {
    const blobServiceUri =
      s.AzureWebJobsStorage__blobServiceUri ??
      (s.AzureWebJobsStorage__accountName ? `https://${s.AzureWebJobsStorage__accountName}.blob.core.windows.net` : undefined);
    if (!blobServiceUri) {
      problems.push({ setting: 'AzureWebJobsStorage__blobServiceUri', reason: 'project archives need the storage account\'s blob service' });
    }
    archiveStorage = { kind: 'managed-identity', blobServiceUri: blobServiceUri ?? '' };
  } else {
    archiveStorage = storage;
  }
  if (hosting === 'azure' && !s.SCALEOUT_CATALOG_CONNECTION) {
    problems.push({ setting: 'SCALEOUT_CATALOG_CONNECTION', reason: 'an Azure master needs Azure SQL' });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    hosting,
    masterAddress,
    masterAddresses: [...masterAddresses],
    catalog: s.SCALEOUT_CATALOG_CONNECTION
      ? { engine: 'mssql', connectionString: s.SCALEOUT_CATALOG_CONNECTION, poolSize: s.SCALEOUT_CATALOG_POOL_SIZE }
      : { engine: 'sqlite', path: s.SCALEOUT_CATALOG_SQLITE_PATH, synchronous: s.SCALEOUT_CATALOG_SQLITE_SYNCHRONOUS },
    keyStore: s.SCALEOUT_KEY_VAULT_URL
      ? { kind: 'key-vault', vaultUrl: s.SCALEOUT_KEY_VAULT_URL }
      : { kind: 'files', folder: s.SCALEOUT_KEY_FOLDER },
    azureIdentity: hosting === 'azure' ? { kind: 'managed-identity', ...(clientId ? { clientId } : {}) } : { kind: 'developer' },
    alarmQueueName: s.SCALEOUT_ALARM_QUEUE_NAME,
    eventQueue: { name: s.SCALEOUT_EVENT_QUEUE_NAME, storage },
    projectArchives: { container: s.SCALEOUT_ARCHIVE_CONTAINER, storage: archiveStorage },
    agentDownloads:
      hosting === 'azure'
        ? { kind: 'blob', container: s.SCALEOUT_AGENT_DOWNLOADS_CONTAINER, storage: archiveStorage }
        : { kind: 'folder', folder: s.SCALEOUT_AGENT_DOWNLOADS_FOLDER },
    leaseMs: s.SCALEOUT_LEASE_MS,
    claimMaxWaitMs: s.SCALEOUT_CLAIM_MAX_WAIT_MS ?? (hosting === 'azure' ? 0 : 25_000),
    doorbell: doorbellConnection ? { connectionString: doorbellConnection } : null,
    workerOnlineWriteMs: s.SCALEOUT_WORKER_ONLINE_WRITE_MS,
    workerIdleHeartbeatMs: idleHeartbeatMs,
    workerOfflineAfterMs:
      s.SCALEOUT_WORKER_OFFLINE_AFTER_MS ?? Math.max(1000, 2 * Math.max(s.SCALEOUT_WORKER_ONLINE_WRITE_MS, idleHeartbeatMs ?? 0)),
    schedules: { safetySweep: s.SCALEOUT_SAFETY_SWEEP_SCHEDULE, cleanup: s.SCALEOUT_CLEANUP_SCHEDULE },
    entraAuth: s.SCALEOUT_ENTRA_AUTH,
    localHost: { port: s.SCALEOUT_PORT, host: s.SCALEOUT_HOST },
  };
}
