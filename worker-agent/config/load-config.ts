import { constants } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { asError } from '../errors.js';
import { assembleIdentity, IdentityError, parseCertificate, parsePrivateKey, type WorkerIdentity } from '../identity/certificate.js';
import { parseWorkerSettings, type SettingProblem, type WorkerSettings } from './settings.js';

export interface WorkerConfig {
  path: string;
  settings: WorkerSettings;
  identity: WorkerIdentity;
}

export type LoadConfigResult =
  | { ok: true; config: WorkerConfig; warnings: SettingProblem[] }
  | { ok: false; problems: SettingProblem[]; warnings: SettingProblem[] };

/**
 * Reads the settings file and everything it points at — the certificate, its key, the folders — and reports every
 * problem at once, each with the setting to fix and why. Nothing starts on a configuration with a problem.
 */
export async function loadWorkerConfig(path: string, options: { machineName: string; now: Date }): Promise<LoadConfigResult> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (thrown) {
    const error = asError(thrown);
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `no settings file at ${path}: create one with \`scaleout-worker init --master <URL>\``
        : `cannot read ${path}: ${error.message}`;
    return { ok: false, problems: [{ setting: '(file)', reason }], warnings: [] };
  }
  const parsed = parseWorkerSettings(raw, { configDir: dirname(path), machineName: options.machineName });
  const settings: Partial<WorkerSettings> = parsed.ok ? parsed.settings : parsed.partial;
  const problems = parsed.ok ? [] : [...parsed.problems];
  const warnings = [...parsed.warnings];

  const identity = await checkIdentity(settings, options.now, problems, warnings);
  for (const [setting, folder] of [
    ['TasksRootFolder', settings.tasksRootFolder],
    ['ExecutionLogCacheFolder', settings.executionLogCacheFolder],
    ['AgentLogFolder', settings.agentLogFolder],
  ] as const) {
    if (folder === undefined) continue;
    const reason = await writableFolderProblem(folder);
    if (reason) problems.push({ setting, reason });
  }
  if (problems.length > 0 || !identity || !parsed.ok) return { ok: false, problems, warnings };
  return { ok: true, config: { path, settings: parsed.settings, identity }, warnings };
}

async function checkIdentity(
  settings: Partial<WorkerSettings>,
  now: Date,
  problems: SettingProblem[],
  warnings: SettingProblem[],
): Promise<WorkerIdentity | undefined> {
  const certificate = settings.workerCertificateFile
    ? await readAs('WorkerCertificateFile', settings.workerCertificateFile, (text) => parseCertificate(text, 'WorkerCertificateFile'), problems)
    : undefined;
  const key = settings.workerKeyFile
    ? await readAs('WorkerKeyFile', settings.workerKeyFile, (text) => parsePrivateKey(text, 'WorkerKeyFile'), problems)
    : undefined;
  if (settings.workerKeyFile && key && process.platform !== 'win32') {
    const mode = (await stat(settings.workerKeyFile)).mode & 0o777;
    if (mode & 0o077) {
      warnings.push({
        setting: 'WorkerKeyFile',
        reason: `${settings.workerKeyFile} can be read by other accounts (mode ${mode.toString(8)}): chmod 600 it`,
      });
    }
  }
  if (!certificate || !key) return undefined;
  let identity: WorkerIdentity;
  try {
    identity = assembleIdentity(certificate, key, now);
  } catch (thrown) {
    const error = asError(thrown);
    problems.push({ setting: error instanceof IdentityError ? error.setting : 'WorkerCertificateFile', reason: error.message });
    return undefined;
  }
  const expected = settings.workerHttpsCertThumbprint;
  if (expected && expected !== identity.thumbprints.sha1 && expected !== identity.thumbprints.sha256) {
    problems.push({
      setting: 'WorkerHttpsCertThumbprint',
      reason: `${expected} is not the thumbprint of ${settings.workerCertificateFile} (SHA-1 ${identity.thumbprints.sha1})`,
    });
    return undefined;
  }
  return identity;
}

async function readAs<T>(setting: string, path: string, parse: (text: string) => T, problems: SettingProblem[]): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (thrown) {
    const error = asError(thrown) as NodeJS.ErrnoException;
    problems.push({ setting, reason: error.code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${error.message}` });
    return undefined;
  }
  try {
    return parse(text);
  } catch (thrown) {
    problems.push({ setting, reason: `${path} ${asError(thrown).message}` });
    return undefined;
  }
}

/** Creates the folder if needed; a reason when the worker cannot write there. */
async function writableFolderProblem(folder: string): Promise<string | undefined> {
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await access(folder, constants.W_OK);
    return undefined;
  } catch (thrown) {
    return `cannot create or write ${folder}: ${asError(thrown).message}`;
  }
}
