import {
  DummyDriver,
  Kysely,
  MssqlAdapter,
  MssqlIntrospector,
  MssqlQueryCompiler,
  type Driver,
} from 'kysely';
import { mssqlPlugins } from '../../functions/catalog/mssql/engine.js';
import type { CatalogTables } from '../../functions/catalog/schema.js';

/**
 * A Kysely that compiles the catalog's queries exactly as the MSSQL engine does (MssqlDialect's compiler and the
 * engine's plugins) and runs them on `driver`: nothing by default, so it serves to compile only.
 */
export function mssqlKysely(driver: Driver = new DummyDriver()): Kysely<CatalogTables> {
  return new Kysely<CatalogTables>({
    dialect: {
      createAdapter: () => new MssqlAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new MssqlIntrospector(db),
      createQueryCompiler: () => new MssqlQueryCompiler(),
    },
    plugins: mssqlPlugins(),
  });
}
