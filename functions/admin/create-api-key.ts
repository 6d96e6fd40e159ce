import { writeFile } from 'node:fs/promises';
import type { ApiKeyRole } from '../../contracts/endpoint.js';
import { issueApiKey } from '../auth/api-keys.js';
import { createCatalog } from '../catalog/create-catalog.js';
import { parseMssqlConnectionString } from '../catalog/mssql/connection.js';
import { openCatalogEngine } from '../catalog/open-catalog-engine.js';
import type { ValueCipher } from '../catalog/value-cipher.js';
import type { MasterConfig } from '../config/master-config.js';
import type { ApiKey } from '../catalog/domain.js';

/**
 * This command reads and writes no sensitive parameter value, so it needs no data key (in Azure that key is in
 * Key Vault, which an operator creating the first API key may well not be allowed to read).
 */
const noDataKey: ValueCipher = {
  encrypt: () => {
    throw new Error('scaleout-master works without the data key: it cannot encrypt sensitive values');
  },
  decrypt: () => {
    throw new Error('scaleout-master works without the data key: it cannot decrypt sensitive values');
  },
};

/**
 * Creates an API key straight in the catalog, for when nobody can call the management API yet: the first admin
 * key of a new master. Migrates the catalog first (idempotent), so it works before the master ever started.
 */
export async function createApiKeyInCatalog(
  catalog: MasterConfig['catalog'],
  input: { name: string; role: ApiKeyRole },
  actor: string,
): Promise<{ apiKey: ApiKey; secret: string }> {
  const engine = await openCatalogEngine(catalog);
  try {
    await engine.migrate();
    return await issueApiKey(createCatalog({ engine, cipher: noDataKey }), input, actor);
  } finally {
    await engine.destroy();
  }
}

/** Writes a secret to a new file, readable by its owner only from the first byte; refuses to overwrite one. */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600, flag: 'wx' });
}

/** Where the catalog is, in words (never the connection string: it may hold a password). */
export function describeCatalog(catalog: MasterConfig['catalog']): string {
  if (catalog.engine === 'sqlite') return `the SQLite catalog ${catalog.path}`;
  const { server, port, database } = parseMssqlConnectionString(catalog.connectionString);
  return `the catalog ${database} on ${server},${port}`;
}
