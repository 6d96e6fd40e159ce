import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError, ExitCode, usageError } from './errors.js';
import type { CliIO } from './io.js';

/**
 * The per-user connection file written by `scaleout connect`: the master's address, the API key and the master
 * certificate's pinned thumbprint. It holds a secret, so it is readable by its owner only (0600, in a 0700
 * folder). Environment variables override it, for scripts and CI.
 */
export const StoredConnection = z.object({
  master: z.string(),
  apiKey: z.string(),
  /** SHA-1 or SHA-256 thumbprint of the master's certificate, when the system does not trust it. */
  masterThumbprint: z.string().nullable(),
  savedTime: z.string(),
});
export type StoredConnection = z.infer<typeof StoredConnection>;

/** What the commands use to reach the master. */
export interface Connection {
  masterUrl: string;
  apiKey: string;
  thumbprint: string | undefined;
  /** Where it came from, for messages: `the environment` or the file's path. */
  source: string;
}

export const environmentVariables = {
  master: 'SCALEOUT_MASTER',
  apiKey: 'SCALEOUT_API_KEY',
  thumbprint: 'SCALEOUT_MASTER_THUMBPRINT',
  configFile: 'SCALEOUT_CONFIG',
} as const;

/** SCALEOUT_CONFIG, else %APPDATA%\scaleout\config.json on Windows, else $XDG_CONFIG_HOME (or ~/.config)/scaleout/config.json. */
export function configFilePath(io: Pick<CliIO, 'env' | 'platform' | 'homedir'>): string {
  const override = io.env[environmentVariables.configFile];
  if (override) return override;
  if (io.platform === 'win32') return join(io.env['APPDATA'] ?? join(io.homedir, 'AppData', 'Roaming'), 'scaleout', 'config.json');
  return join(io.env['XDG_CONFIG_HOME'] || join(io.homedir, '.config'), 'scaleout', 'config.json');
}

export function readConfigFile(path: string): StoredConnection | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, ExitCode.notConnected);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON (${(error as Error).message}); run scaleout connect again`, ExitCode.notConnected);
  }
  const parsed = StoredConnection.safeParse(json);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new CliError(`${path}: ${field ? `${field}: ` : ''}${parsed.error.issues[0]?.message}; run scaleout connect again`, ExitCode.notConnected);
  }
  return parsed.data;
}

/** Written to a temporary file first and renamed, so a crash never leaves half a file; always 0600. */
export function writeConfigFile(path: string, connection: StoredConnection): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(connection, null, 2) + '\n', { mode: 0o600 });
  // The mode given to writeFileSync is narrowed by the umask but never widened; make it exact.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function removeConfigFile(path: string): boolean {
  try {
    rmSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(`cannot remove ${path}: ${(error as Error).message}`, ExitCode.notConnected);
  }
}

/**
 * The master's address as the CLI stores it: scheme and host only (`localhost:8391` means https). The API
 * lives under /api, so a path other than that is a mistake worth saying.
 */
export function normalizeMasterUrl(text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(`'${text}' is not a URL; give the master's address, e.g. https://localhost:8391`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usageError(`'${text}': the master is reached over https`);
  if (!['/', '/api', '/api/', '/api/v1', '/api/v1/'].includes(url.pathname)) {
    throw usageError(`'${text}': give the master's address without a path, e.g. ${url.protocol}//${url.host}`);
  }
  return `${url.protocol}//${url.host}`.toLowerCase();
}

/** The connection to use: the environment first, then the file. Never sends a stored key to another master. */
export function resolveConnection(io: Pick<CliIO, 'env' | 'platform' | 'homedir'>): Connection {
  const path = configFilePath(io);
  const env = io.env;
  const envMaster = env[environmentVariables.master];
  const envKey = env[environmentVariables.apiKey];
  let stored: StoredConnection | undefined;
  try {
    stored = readConfigFile(path);
  } catch (error) {
    // A damaged file does not matter when the environment gives everything.
    if (!(envMaster && envKey)) throw error;
  }
  if (envMaster) {
    const masterUrl = normalizeMasterUrl(envMaster);
    const same = stored?.master === masterUrl ? stored : undefined;
    const apiKey = envKey || same?.apiKey;
    if (!apiKey) {
      throw new CliError(
        `${environmentVariables.master} is set but there is no API key for ${masterUrl}: set ${environmentVariables.apiKey}`,
        ExitCode.notConnected,
      );
    }
    return {
      masterUrl,
      apiKey,
      thumbprint: env[environmentVariables.thumbprint] || (same?.masterThumbprint ?? undefined),
      source: envKey ? 'the environment' : path,
    };
  }
  if (!stored) {
    throw new CliError(
      `not connected to a master: run scaleout connect <url> (or set ${environmentVariables.master} and ${environmentVariables.apiKey})`,
      ExitCode.notConnected,
    );
  }
  return {
    masterUrl: stored.master,
    apiKey: envKey || stored.apiKey,
    thumbprint: env[environmentVariables.thumbprint] || (stored.masterThumbprint ?? undefined),
    source: envKey ? 'the environment' : path,
  };
}
