import { isThumbprint, normalizeThumbprint } from './thumbprint.js';

/**
 * What a worker's WorkerSettings.json (written by `scaleout-worker init` or `join`) tells about the worker, for
 * adding it as SSIS Scale Out Manager does from the worker's configuration: the CLI's `worker add --config` and
 * the dashboard's add-worker form read it the same way.
 */
export interface WorkerSettingsFile {
  /** WorkerHttpsCertThumbprint, normalised. */
  thumbprint: string | undefined;
  /** The certificate file it names, relative to the settings file, and the key that named it. */
  certificateFile: { key: string; path: string } | undefined;
  displayName: string | undefined;
  description: string | undefined;
  maxTaskCount: number | undefined;
  tags: string[] | undefined;
  masterEndpoint: string | undefined;
}

/** What is wrong with the file, in the user's words; the caller says which file. */
export class WorkerSettingsFileError extends Error {}

/** Keys that may name the certificate file: the agent's own name first, then likely spellings. */
export const certificatePathKeys = ['WorkerCertificateFile', 'WorkerHttpsCertFile', 'WorkerCertFile', 'WorkerCertificatePath', 'CertificateFile'];

/**
 * JSON whose keys are SSIS WorkerSettings names (WorkerHttpsCertThumbprint, DisplayName, Description,
 * MaxTaskCount, Tags, MasterEndpoint), at the top level or under `WorkerSettings`, plus the path of the
 * certificate file. Keys match case-insensitively; other keys are ignored.
 */
export function parseWorkerSettingsFile(text: string): WorkerSettingsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WorkerSettingsFileError(`not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) throw new WorkerSettingsFileError('expected a JSON object of worker settings');
  const nested = lookup(json, 'WorkerSettings');
  const settings = isObject(nested) ? nested : json;
  const get = (key: string): unknown => lookup(settings, key);
  const textOf = (key: string): string | undefined => {
    const value = get(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new WorkerSettingsFileError(`${key}: expected a string, got ${JSON.stringify(value)}`);
    return value;
  };

  const thumbprint = textOf('WorkerHttpsCertThumbprint');
  if (thumbprint !== undefined && !isThumbprint(thumbprint)) {
    throw new WorkerSettingsFileError(`WorkerHttpsCertThumbprint: '${thumbprint}' is not a SHA-1 or SHA-256 thumbprint`);
  }
  const certificateKey = certificatePathKeys.find((key) => textOf(key) !== undefined);
  const maxTasks = get('MaxTaskCount');
  let maxTaskCount: number | undefined;
  if (maxTasks !== undefined && maxTasks !== null && maxTasks !== '') {
    maxTaskCount = typeof maxTasks === 'number' ? maxTasks : Number(maxTasks);
    if (!Number.isInteger(maxTaskCount)) throw new WorkerSettingsFileError(`MaxTaskCount: expected a whole number, got ${JSON.stringify(maxTasks)}`);
  }
  const rawTags = get('Tags');
  const tags = Array.isArray(rawTags)
    ? rawTags.map(String)
    : typeof rawTags === 'string' && rawTags.trim() !== ''
      ? rawTags.split(',').map((t) => t.trim()).filter(Boolean)
      : undefined;

  return {
    thumbprint: thumbprint === undefined ? undefined : normalizeThumbprint(thumbprint),
    certificateFile: certificateKey ? { key: certificateKey, path: textOf(certificateKey)! } : undefined,
    displayName: textOf('DisplayName'),
    description: textOf('Description'),
    maxTaskCount,
    tags,
    masterEndpoint: textOf('MasterEndpoint'),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lookup(object: Record<string, unknown>, key: string): unknown {
  const found = Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : object[found];
}
