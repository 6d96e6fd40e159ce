import type { TokenCredential } from '@azure/identity';
import { ConfigError, type MasterConfig } from '../config/master-config.js';
import type { CatalogEngine } from './engine.js';

export interface OpenCatalogOptions {
  /** Called for every query (the dispatch benchmark counts them). */
  log?: () => void;
  /**
   * The master's shared Azure credential, for an Entra login; a connection string that names its own identity
   * (`User Id=<client id>`) keeps it, and without one the driver settings choose.
   */
  credential?: TokenCredential;
}

/**
 * The engine the configuration names, loaded only then: in Azure the SQLite native module is never loaded (it may
 * not even be built for the platform), and on one machine tedious is not. Not migrated yet.
 */
export async function openCatalogEngine(catalog: MasterConfig['catalog'], options: OpenCatalogOptions = {}): Promise<CatalogEngine> {
  const { log, credential } = options;
  if (catalog.engine === 'mssql') {
    const [{ MssqlEngine }, { parseMssqlConnectionString }] = await Promise.all([
      import('./mssql/engine.js'),
      import('./mssql/connection.js'),
    ]);
    const connection = parseMssqlConnectionString(catalog.connectionString);
    const namesItsIdentity = connection.authentication.kind === 'entra' && connection.authentication.clientId !== undefined;
    return MssqlEngine.fromConnection({
      connection,
      poolMax: catalog.poolSize,
      ...(log ? { log } : {}),
      ...(credential && !namesItsIdentity ? { credential } : {}),
    });
  }
  const { SqliteEngine } = await import('./sqlite/engine.js').catch((error: unknown) => {
    throw withoutBetterSqlite3(error) ? new ConfigError([{ setting: 'SCALEOUT_CATALOG_SQLITE_PATH', reason: betterSqlite3Missing }]) : error;
  });
  return new SqliteEngine({ filename: catalog.path, synchronous: catalog.synchronous, ...(log ? { log } : {}) });
}

/**
 * better-sqlite3 is an optional dependency (Azure never loads it), so npm goes on without it when its download
 * and its build both fail, and says so only in its warnings.
 */
const betterSqlite3Missing =
  'the SQLite catalog needs better-sqlite3, which npm did not install (an optional dependency whose download and ' +
  'build failed): run `npm install` again and read what it says of better-sqlite3 (building it needs python3, make ' +
  'and a C++ compiler), or set SCALEOUT_CATALOG_CONNECTION to use SQL Server instead';

function withoutBetterSqlite3(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND') &&
    error.message.includes("'better-sqlite3'")
  );
}
