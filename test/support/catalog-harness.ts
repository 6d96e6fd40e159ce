import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { ManualClock } from '../../functions/clock.js';
import type { Catalog } from '../../functions/catalog/catalog.js';
import { createCatalog } from '../../functions/catalog/create-catalog.js';
import type { CatalogEngine } from '../../functions/catalog/engine.js';
import { MssqlEngine } from '../../functions/catalog/mssql/engine.js';
import { parseMssqlConnectionString } from '../../functions/catalog/mssql/connection.js';
import { SqliteEngine } from '../../functions/catalog/sqlite/engine.js';
import { AesGcmValueCipher } from '../../functions/catalog/value-cipher.js';

export interface CatalogHarness {
  catalog: Catalog;
  engine: CatalogEngine;
  clock: ManualClock;
  leaseMs: number;
  dispose(): Promise<void>;
}

export const testLeaseMs = 20_000;
export const testDataKey = Buffer.alloc(32, 7);

/** A fresh SQLite catalog in its own temporary folder. */
export async function sqliteHarness(options: { plugins?: KyselyPlugin[] } = {}): Promise<CatalogHarness> {
  const folder = mkdtempSync(join(tmpdir(), 'scaleout-catalog-'));
  const engine = new SqliteEngine({ filename: join(folder, 'catalog.sqlite'), ...(options.plugins ? { plugins: options.plugins } : {}) });
  await engine.migrate();
  return harness(engine, async () => rmSync(folder, { recursive: true, force: true }));
}

/** The SQL Server / Azure SQL under test, from SCALEOUT_TEST_MSSQL; `undefined` when none is given. */
export const mssqlConnectionString = process.env['SCALEOUT_TEST_MSSQL'] || undefined;

/**
 * A catalog on the SQL Server given in SCALEOUT_TEST_MSSQL. That database must be dedicated to these tests:
 * every table is emptied before each test.
 */
export async function mssqlHarness(): Promise<CatalogHarness> {
  if (!mssqlConnectionString) throw new Error('SCALEOUT_TEST_MSSQL is not set');
  const engine = MssqlEngine.fromConnection({ connection: parseMssqlConnectionString(mssqlConnectionString), poolMax: 4 });
  await engine.migrate();
  for (const table of [
    'event_messages',
    'tasks',
    'execution_parameter_values',
    'execution_workers',
    'execution_required_tags',
    'executions',
    'packages',
    'project_versions',
    'object_permissions',
    'object_parameters',
    'environment_references',
    'environment_variables',
    'environments',
    'projects',
    'folders',
    'worker_agent_tags',
    'worker_agents',
    'api_keys',
    'audit_trail',
  ] as const) {
    await engine.db.deleteFrom(table).execute();
  }
  await engine.db.updateTable('master_properties').set({ property_value: null }).execute();
  await engine.db
    .updateTable('master_properties')
    .set({ property_value: 'false' })
    .where('property_name', '=', 'IS_SCALEOUT_ENABLED')
    .execute();
  await engine.db.updateTable('master_properties').set({ property_value: '365' }).where('property_name', '=', 'RETENTION_WINDOW').execute();
  await engine.db.updateTable('master_properties').set({ property_value: '10' }).where('property_name', '=', 'MAX_PROJECT_VERSIONS').execute();
  await engine.db
    .updateTable('master_properties')
    .set({ property_value: 'true' })
    .where('property_name', '=', 'OPERATION_CLEANUP_ENABLED')
    .execute();
  return harness(engine, async () => undefined);
}

function harness(engine: CatalogEngine, cleanup: () => Promise<void>): CatalogHarness {
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 9, 0, 0));
  const catalog = createCatalog({ engine, clock, cipher: new AesGcmValueCipher(testDataKey), leaseMs: testLeaseMs });
  return {
    catalog,
    engine,
    clock,
    leaseMs: testLeaseMs,
    async dispose() {
      await catalog.close();
      await cleanup();
    },
  };
}
