import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError, usageError } from '../errors.js';
import { normalizeThumbprint } from '../../../contracts/thumbprint.js';
import {
  certificatePathKeys,
  parseWorkerSettingsFile,
  WorkerSettingsFileError,
  type WorkerSettingsFile,
} from '../../../contracts/worker-settings-file.js';

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

/**
 * Reads a worker's configuration file (parseWorkerSettingsFile) and the certificate file it names, which SSIS
 * Manager falls back from to the thumbprint when it cannot read it.
 */
export function readWorkerConfigFile(path: string): WorkerConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`--config ${path}: ${describeFsError(error)}`);
  }
  let settings: WorkerSettingsFile;
  try {
    settings = parseWorkerSettingsFile(text);
  } catch (error) {
    if (error instanceof WorkerSettingsFileError) throw usageError(`--config ${path}: ${error.message}`);
    throw error;
  }
  const { thumbprint, certificateFile } = settings;
  let certificate: CertificateFile | undefined;
  let unreadableCertificate: string | undefined;
  if (certificateFile) {
    try {
      certificate = readCertificateFile(resolve(dirname(path), certificateFile.path), certificateFile.key);
    } catch (error) {
      if (thumbprint === undefined) throw error;
      unreadableCertificate = (error as Error).message;
    }
  }
  if (!thumbprint && !certificate) {
    throw usageError(
      `--config ${path}: has no WorkerHttpsCertThumbprint (nor ${certificatePathKeys[0]}); give --thumbprint or --cert instead`,
    );
  }
  if (thumbprint && certificate && thumbprint !== certificate.thumbprintSha1 && thumbprint !== certificate.thumbprintSha256) {
    throw usageError(
      `--config ${path}: WorkerHttpsCertThumbprint ${thumbprint} is not the thumbprint of ${certificate.path} (${certificate.thumbprintSha1})`,
    );
  }
  return {
    path,
    thumbprint,
    certificate,
    unreadableCertificate,
    displayName: settings.displayName,
    description: settings.description,
    maxTaskCount: settings.maxTaskCount,
    tags: settings.tags,
    masterEndpoint: settings.masterEndpoint,
  };
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return (error as Error).message;
}
