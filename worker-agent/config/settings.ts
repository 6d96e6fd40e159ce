import { isAbsolute, resolve } from 'node:path';
import { formatTimeSpan, parseDuration } from './time-span.js';

/**
 * The worker's settings, named as in SSIS's WorkerSettings.config so an SSIS administrator finds what they know.
 * The file is JSON; its keys are the SSIS names. Parsing is a pure function of the file's content and where the
 * file lives, and it reports every bad setting at once.
 */
export interface WorkerSettings {
  displayName: string;
  description: string;
  /** The master's address; also the audience of every token the worker signs. */
  masterEndpoint: string;
  /** Pin the master's TLS certificate by SHA-1 or SHA-256 thumbprint (for a self-signed master). */
  masterHttpsCertThumbprint: string | undefined;
  /** The worker certificate's thumbprint; when set, the certificate file must match it. */
  workerHttpsCertThumbprint: string | undefined;
  workerCertificateFile: string;
  workerKeyFile: string;
  agentHeartbeatIntervalMs: number;
  doorbellPollIntervalMs: number;
  taskHeartbeatIntervalMs: number;
  heartbeatErrorToleranceMs: number;
  maxTaskCount: number;
  tasksRootFolder: string;
  executionLogCacheFolder: string;
  executionLogRetryTimeoutMs: number;
  taskRequestMaxCpuPercent: number;
  taskRequestMinMemoryMb: number;
  taskCancelGracePeriodMs: number;
  drainTimeoutMs: number;
  agentLogFolder: string;
}

/** Where the settings file is and what machine reads it: the only inputs defaults depend on. */
export interface SettingsContext {
  configDir: string;
  machineName: string;
}

/** One bad setting and why. */
export interface SettingProblem {
  setting: string;
  reason: string;
}

type Parsed<T> = { value: T } | { reason: string };

interface SettingSpec<K extends keyof WorkerSettings> {
  /** The SSIS name, which is the key in the file. */
  name: string;
  field: K;
  /** One line for `--help` and the README. */
  help: string;
  /** The default as written in the file; `undefined` when the setting is required. */
  fallback: (context: SettingsContext) => unknown;
  parse: (raw: unknown, context: SettingsContext) => Parsed<WorkerSettings[K]>;
}

const spec = <K extends keyof WorkerSettings>(s: SettingSpec<K>): SettingSpec<K> => s;

function text(options: { min?: number; max: number }) {
  return (raw: unknown): Parsed<string> => {
    if (typeof raw !== 'string') return { reason: 'must be a string' };
    const value = raw.trim();
    if (value.length < (options.min ?? 0)) return { reason: 'must not be empty' };
    if (value.length > options.max) return { reason: `must be at most ${options.max} characters` };
    return { value };
  };
}

function duration(options: { minMs: number; maxMs?: number }) {
  return (raw: unknown): Parsed<number> => {
    const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (ms === undefined) return { reason: `${JSON.stringify(raw)} is not a time span: write hh:mm:ss (e.g. 00:00:10) or 10s` };
    if (ms < options.minMs) return { reason: `must be at least ${formatTimeSpan(options.minMs)}` };
    if (options.maxMs !== undefined && ms > options.maxMs) return { reason: `must be at most ${formatTimeSpan(options.maxMs)}` };
    return { value: ms };
  };
}

function number(options: { min: number; max: number; integer?: boolean }) {
  return (raw: unknown): Parsed<number> => {
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) return { reason: `${JSON.stringify(raw)} is not a number` };
    if (options.integer && !Number.isInteger(value)) return { reason: `${value} is not a whole number` };
    if (value < options.min || value > options.max) return { reason: `must be between ${options.min} and ${options.max}` };
    return { value };
  };
}

function path(raw: unknown, context: SettingsContext): Parsed<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { reason: 'must be a path' };
  const value = raw.trim();
  return { value: isAbsolute(value) ? value : resolve(context.configDir, value) };
}

function thumbprint(raw: unknown): Parsed<string | undefined> {
  if (raw === undefined || raw === null || raw === '') return { value: undefined };
  if (typeof raw !== 'string') return { reason: 'must be a string of hex digits' };
  const hex = raw.replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]+$/.test(hex) || (hex.length !== 40 && hex.length !== 64)) {
    return { reason: 'must be a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint' };
  }
  return { value: hex.toUpperCase() };
}

function endpoint(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { reason: 'is required: the master address, e.g. https://master.example.com:8391' };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { reason: `${JSON.stringify(raw)} is not a URL` };
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return { reason: 'must be an https:// address (http:// only for localhost)' };
  }
  if (url.search || url.hash) return { reason: 'must not have a query or fragment' };
  return { value: raw.trim() };
}

/** Every setting, in the order the file lists them. */
export const settingSpecs = [
  spec({
    name: 'DisplayName',
    field: 'displayName',
    help: 'How the worker appears in the manager. Default: the machine name.',
    fallback: (c) => c.machineName,
    parse: text({ min: 1, max: 256 }),
  }),
  spec({
    name: 'Description',
    field: 'description',
    help: 'Free text shown in the manager.',
    fallback: () => '',
    parse: text({ max: 1024 }),
  }),
  spec({
    name: 'MasterEndpoint',
    field: 'masterEndpoint',
    help: 'The master address, e.g. https://master.example.com:8391. Required.',
    fallback: () => undefined,
    parse: endpoint,
  }),
  spec({
    name: 'MasterHttpsCertThumbprint',
    field: 'masterHttpsCertThumbprint',
    help: "Trust exactly the master's TLS certificate with this SHA-1 or SHA-256 thumbprint (a self-signed master). Empty: the system's CAs.",
    fallback: () => '',
    parse: thumbprint,
  }),
  spec({
    name: 'WorkerHttpsCertThumbprint',
    field: 'workerHttpsCertThumbprint',
    help: "The worker certificate's thumbprint; the certificate file must match it.",
    fallback: () => '',
    parse: thumbprint,
  }),
  spec({
    name: 'WorkerCertificateFile',
    field: 'workerCertificateFile',
    help: "The worker's certificate (PEM). SSIS reads it from the certificate store; here it is a file.",
    fallback: () => 'worker-certificate.pem',
    parse: path,
  }),
  spec({
    name: 'WorkerKeyFile',
    field: 'workerKeyFile',
    help: "The certificate's private key (PKCS#8 PEM), readable by the worker's account only.",
    fallback: () => 'worker-key.pem',
    parse: path,
  }),
  spec({
    name: 'AgentHeartbeatInterval',
    field: 'agentHeartbeatIntervalMs',
    help: 'How often an idle worker tells the master it is online. Default 00:01:00.',
    fallback: () => '00:01:00',
    parse: duration({ minMs: 1000, maxMs: 3_600_000 }),
  }),
  spec({
    name: 'DoorbellPollInterval',
    field: 'doorbellPollIntervalMs',
    help: 'How often an idle worker reads its doorbell (a storage read, not a request to the master). Default 00:00:01.500.',
    fallback: () => '00:00:01.500',
    parse: duration({ minMs: 200, maxMs: 60_000 }),
  }),
  spec({
    name: 'TaskHeartbeatInterval',
    field: 'taskHeartbeatIntervalMs',
    help: 'How often the leases of running tasks are renewed (one request for all of them). Default 00:00:10.',
    fallback: () => '00:00:10',
    parse: duration({ minMs: 1000, maxMs: 600_000 }),
  }),
  spec({
    name: 'HeartbeatErrorTolerance',
    field: 'heartbeatErrorToleranceMs',
    help: 'Running tasks are abandoned when heartbeats keep failing this long. Default 00:10:00.',
    fallback: () => '00:10:00',
    parse: duration({ minMs: 1000 }),
  }),
  spec({
    name: 'MaxTaskCount',
    field: 'maxTaskCount',
    help: 'Most packages run at once. Default 10.',
    fallback: () => 10,
    parse: number({ min: 1, max: 1000, integer: true }),
  }),
  spec({
    name: 'TasksRootFolder',
    field: 'tasksRootFolder',
    help: 'Where each task gets its own folder and project archives are cached.',
    fallback: () => 'tasks',
    parse: path,
  }),
  spec({
    name: 'ExecutionLogCacheFolder',
    field: 'executionLogCacheFolder',
    help: 'Where event messages and completions wait while the master cannot be reached.',
    fallback: () => 'log-cache',
    parse: path,
  }),
  spec({
    name: 'ExecutionLogRetryTimeout',
    field: 'executionLogRetryTimeoutMs',
    help: 'Cached reports older than this are given up. Default 7.00:00:00 (7 days).',
    fallback: () => '7.00:00:00',
    parse: duration({ minMs: 60_000 }),
  }),
  spec({
    name: 'TaskRequestMaxCPU',
    field: 'taskRequestMaxCpuPercent',
    help: 'Ask for new tasks only while the machine CPU is below this percentage (100: no limit). Default 70.',
    fallback: () => 70,
    parse: number({ min: 1, max: 100 }),
  }),
  spec({
    name: 'TaskRequestMinMemory',
    field: 'taskRequestMinMemoryMb',
    help: 'Ask for new tasks only while at least this many MB of memory are free. Default 100.',
    fallback: () => 100,
    parse: number({ min: 0, max: 16_777_216 }),
  }),
  spec({
    name: 'TaskCancelGracePeriod',
    field: 'taskCancelGracePeriodMs',
    help: "After SIGTERM, how long a canceled package's processes get before they are killed. Default 00:00:10.",
    fallback: () => '00:00:10',
    parse: duration({ minMs: 0, maxMs: 600_000 }),
  }),
  spec({
    name: 'DrainTimeout',
    field: 'drainTimeoutMs',
    help: 'On stop, how long running tasks may finish before they are canceled and given back. Default 00:05:00.',
    fallback: () => '00:05:00',
    parse: duration({ minMs: 0 }),
  }),
  spec({
    name: 'AgentLogFolder',
    field: 'agentLogFolder',
    help: "Where the agent's own rolling log file is written.",
    fallback: () => 'logs',
    parse: path,
  }),
] as const;

/** SSIS settings that have no meaning here, and what to do instead. */
const ssisOnlySettings: Record<string, string> = {
  StoreLocation: 'certificates are files here: see WorkerCertificateFile and WorkerKeyFile',
  StoreName: 'certificates are files here: see WorkerCertificateFile and WorkerKeyFile',
  LeaseInterval: 'the master decides the lease length and sends it with every task',
  TaskLogLevel: 'every event message is shipped; the master filters by logging level',
  TaskLogSegment: 'event messages are shipped in batches; there are no log segments',
  TaskLogEnabled: 'event messages are always shipped',
  ExecutionLogMaxBufferLogCount: 'batches are sized by the protocol (at most 2000 events a request)',
  ExecutionLogMaxInMemoryBufferCount: 'undelivered batches go straight to ExecutionLogCacheFolder',
  ExecutionLogRetryCount: 'cached reports are retried until ExecutionLogRetryTimeout',
  AgentId: 'the master identifies the worker by its certificate',
};

export type ParseSettingsResult =
  | { ok: true; settings: WorkerSettings; warnings: SettingProblem[] }
  | { ok: false; problems: SettingProblem[]; warnings: SettingProblem[]; partial: Partial<WorkerSettings> };

/** Reads settings from the file's parsed JSON; lists every bad setting, not just the first. */
export function parseWorkerSettings(raw: unknown, context: SettingsContext): ParseSettingsResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problems: [{ setting: '(file)', reason: 'must be a JSON object of settings' }], warnings: [], partial: {} };
  }
  const input = raw as Record<string, unknown>;
  const problems: SettingProblem[] = [];
  const warnings: SettingProblem[] = [];
  const known = new Map<string, string>(settingSpecs.map((s) => [s.name.toLowerCase(), s.name]));
  for (const key of Object.keys(input)) {
    if (settingSpecs.some((s) => s.name === key)) continue;
    if (key in ssisOnlySettings) {
      warnings.push({ setting: key, reason: `ignored: ${ssisOnlySettings[key]}` });
      continue;
    }
    const suggestion = known.get(key.toLowerCase());
    problems.push({ setting: key, reason: suggestion ? `unknown setting; did you mean ${suggestion}?` : 'unknown setting' });
  }

  const settings: Record<string, unknown> = {};
  for (const s of settingSpecs) {
    const value = input[s.name] ?? s.fallback(context);
    const parsed = (s.parse as (raw: unknown, c: SettingsContext) => Parsed<unknown>)(value, context);
    if ('reason' in parsed) problems.push({ setting: s.name, reason: parsed.reason });
    else settings[s.field] = parsed.value;
  }

  const typed = settings as Partial<WorkerSettings>;
  if (
    typed.taskHeartbeatIntervalMs !== undefined &&
    typed.heartbeatErrorToleranceMs !== undefined &&
    typed.heartbeatErrorToleranceMs < typed.taskHeartbeatIntervalMs
  ) {
    problems.push({
      setting: 'HeartbeatErrorTolerance',
      reason: `must be at least TaskHeartbeatInterval (${formatTimeSpan(typed.taskHeartbeatIntervalMs)})`,
    });
  }
  if (problems.length > 0) return { ok: false, problems, warnings, partial: typed };
  return { ok: true, settings: settings as unknown as WorkerSettings, warnings };
}

/** The settings as the file writes them: SSIS names, durations as time spans, paths as given. */
export function settingsToFile(settings: WorkerSettings): Record<string, unknown> {
  const file: Record<string, unknown> = {};
  for (const s of settingSpecs) {
    const value = settings[s.field];
    file[s.name] = s.field.endsWith('Ms') ? formatTimeSpan(value as number) : (value ?? '');
  }
  return file;
}
