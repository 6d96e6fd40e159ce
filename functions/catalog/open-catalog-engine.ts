import type { MasterConfig } from '../config/master-config.js';
import type { CatalogEngine } from './engine.js';

/**
 * The engine the configuration names, loaded only then: in Azure the SQLite native module is never loaded (it may
 * not even be built for the platform), and on one machine tedious is not. Not migrated yet.
 */
export async function openCatalogEngine(catalog: MasterConfig['catalog'], log?: () => void): Promise<CatalogEngine> {
  if (catalog.engine === 'mssql') {
    const [{ MssqlEngine }, { parseMssqlConnectionString }] = await Promise.all([
      import('./mssql/engine.js'),
      import('./mssql/connection.js'),
    ]);
    return MssqlEngine.fromConnection({
      connection: parseMssqlConnectionString(catalog.connectionString),
      poolMax: catalog.poolSize,
      ...(log ? { log } : {}),
    });
  }
  const { SqliteEngine } = await import('./sqlite/engine.js');
  return new SqliteEngine({ filename: catalog.path, synchronous: catalog.synchronous, ...(log ? { log } : {}) });
}
