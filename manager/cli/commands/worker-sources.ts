import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError, usageError } from '../errors.js';
import { isThumbprint, normalizeThumbprint } from '../tls-trust.js';

/** A worker's certificate read from a file, ready for the API: PEM text, or base64 DER. */
export interface CertificateFile {
  path: string;
  /** What the API takes: one PEM CERTIFICATE block, or base64 DER. */
  certificate: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
}

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * Reads a certificate file in PEM or DER form. Only the certificate is ever sent: a PEM file that also holds the
 * private key has the key left out, and a file holding only a key is refused.
 */
export function readCertificateFile(path: string, option = '--cert'): CertificateFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw usageError(`${option} ${path}: ${describeFsError(error)}`);
  }
  const text = bytes.toString('latin1');
  let certificate: string;
  let x509: X509Certificate;
  try {
    if (text.includes('-----BEGIN')) {
      const block = pemBlock.exec(text)?.[0];
      if (!block) {
        const found = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1] ?? 'something else';
        throw usageError(`${option} ${path}: holds no certificate (found a ${found} block); give the worker's certificate file`);
      }
      x509 = new X509Certificate(block);
      certificate = block;
    } else {
      x509 = new X509Certificate(bytes);
      certificate = bytes.toString('base64');
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw usageError(`${option} ${path}: not an X.509 certificate in PEM or DER form`);
  }
  return {
    path,
    certificate,
    thumbprintSha1: normalizeThumbprint(x509.fingerprint),
    thumbprintSha256: normalizeThumbprint(x509.fingerprint256),
  };
}

/** What a worker's configuration file (written by `scaleout-worker init`) tells about the worker. */
export interface WorkerConfigFile {
  path: string;
  thumbprint: string | undefined;
  certificate: CertificateFile | undefined;
  /** The certificate file the config names but that could not be read, and why. */
  unreadableCertificate: string | undefined;
  displayName: string | undefined;
  description: string | undefined;
  maxTaskCount: number | undefined;
  tags: string[] | undefined;
  masterEndpoint: string | undefined;
}

/** Keys that may name the certificate file: the agent's own name first, then likely spellings. */
const certificatePathKeys = ['WorkerCertificateFile', 'WorkerHttpsCertFile', 'WorkerCertFile', 'WorkerCertificatePath', 'CertificateFile'];

/**
 * Reads a worker's configuration file: JSON whose keys are SSIS WorkerSettings names (WorkerHttpsCertThumbprint,
 * DisplayName, Description, MaxTaskCount, MasterEndpoint), at the top level or under `WorkerSettings`, plus the
 * path of the certificate file. Keys match case-insensitively; other keys are ignored.
 */
export function readWorkerConfigFile(path: string): WorkerConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`--config ${path}: ${describeFsError(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw usageError(`--config ${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(json)) throw usageError(`--config ${path}: expected a JSON object of worker settings`);
  const nested = lookup(json, 'WorkerSettings');
  const settings = isObject(nested) ? nested : json;
  const get = (key: string): unknown => lookup(settings, key);
  const text_ = (key: string): string | undefined => {
    const value = get(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw usageError(`--config ${path}: ${key}: expected a string, got ${JSON.stringify(value)}`);
    return value;
  };

  const thumbprint = text_('WorkerHttpsCertThumbprint');
  if (thumbprint !== undefined && !isThumbprint(thumbprint)) {
    throw usageError(`--config ${path}: WorkerHttpsCertThumbprint: '${thumbprint}' is not a SHA-1 or SHA-256 thumbprint`);
  }
  const certificateKey = certificatePathKeys.find((key) => text_(key) !== undefined);
  let certificate: CertificateFile | undefined;
  let unreadableCertificate: string | undefined;
  if (certificateKey) {
    const certificatePath = resolve(dirname(path), text_(certificateKey)!);
    try {
      certificate = readCertificateFile(certificatePath, certificateKey);
    } catch (error) {
      if (thumbprint === undefined) throw error;
      // SSIS Manager falls back to the thumbprint when it cannot read the certificate.
      unreadableCertificate = (error as Error).message;
    }
  }
  if (!thumbprint && !certificate) {
    throw usageError(
      `--config ${path}: has no WorkerHttpsCertThumbprint (nor ${certificatePathKeys[0]}); give --thumbprint or --cert instead`,
    );
  }
  if (thumbprint && certificate) {
    const wanted = normalizeThumbprint(thumbprint);
    if (wanted !== certificate.thumbprintSha1 && wanted !== certificate.thumbprintSha256) {
      throw usageError(
        `--config ${path}: WorkerHttpsCertThumbprint ${wanted} is not the thumbprint of ${certificate.path} (${certificate.thumbprintSha1})`,
      );
    }
  }

  const maxTasks = get('MaxTaskCount');
  let maxTaskCount: number | undefined;
  if (maxTasks !== undefined && maxTasks !== null && maxTasks !== '') {
    maxTaskCount = typeof maxTasks === 'number' ? maxTasks : Number(maxTasks);
    if (!Number.isInteger(maxTaskCount)) throw usageError(`--config ${path}: MaxTaskCount: expected a whole number, got ${JSON.stringify(maxTasks)}`);
  }
  const rawTags = get('Tags');
  const tags = Array.isArray(rawTags)
    ? rawTags.map(String)
    : typeof rawTags === 'string' && rawTags.trim() !== ''
      ? rawTags.split(',').map((t) => t.trim()).filter(Boolean)
      : undefined;

  return {
    path,
    thumbprint: thumbprint === undefined ? undefined : normalizeThumbprint(thumbprint),
    certificate,
    unreadableCertificate,
    displayName: text_('DisplayName'),
    description: text_('Description'),
    maxTaskCount,
    tags,
    masterEndpoint: text_('MasterEndpoint'),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lookup(object: Record<string, unknown>, key: string): unknown {
  const found = Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : object[found];
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return (error as Error).message;
}
