import type { TokenCredential } from '@azure/identity';
import type { MasterConfig } from '../config/master-config.js';
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
  const { SqliteEngine } = await import('./sqlite/engine.js');
  return new SqliteEngine({ filename: catalog.path, synchronous: catalog.synchronous, ...(log ? { log } : {}) });
}
