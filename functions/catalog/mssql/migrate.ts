import { sql } from 'kysely';
import type { CatalogDb } from '../engine.js';
import { migration0001 } from './migrations/0001-initial.js';
import { migration0002 } from './migrations/0002-children-and-schedules.js';
import { migration0003 } from './migrations/0003-fair-order.js';
import { migration0004 } from './migrations/0004-archives-in-blob-storage.js';
import { migration0005 } from './migrations/0005-claim-ids.js';
import { migration0006 } from './migrations/0006-idempotency-keys.js';
import { migration0008 } from './migrations/0008-enrollment-tokens.js';
import { migration0009 } from './migrations/0009-environments.js';
import { migration0010 } from './migrations/0010-project-versions.js';
import { migration0011 } from './migrations/0011-object-permissions.js';
import { migration0012 } from './migrations/0012-removed-worker-names.js';
import { migration0013 } from './migrations/0013-worker-lease-expired-time.js';

export interface MssqlMigration {
  version: number;
  name: string;
  /** T-SQL batches, run in order (what `GO` would separate). */
  batches: string[];
}

/** Every SQL Server migration, in order. Append-only. */
export const mssqlMigrations: readonly MssqlMigration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0008, migration0009, migration0010, migration0011, migration0012, migration0013];

/** The migration ledger, created before the first migration: one row per migration applied. */
export const ledgerTableBatch = `IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
  CREATE TABLE dbo.schema_migrations (
    version int NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
    name nvarchar(128) NOT NULL,
    applied_time bigint NOT NULL
  );`;

/** How long a master instance waits for another's migration to finish before giving up its start. */
export const migrationLockWaitMs = 120_000;

/**
 * migrate (SQL Server)
 *
 * Applies the migrations the ledger lacks, in one transaction. `sp_getapplock` (exclusive, owned by the
 * transaction) makes master instances that cold-start together apply them one at a time: the first applies,
 * the others wait, then read the ledger and find nothing to do. DDL is transactional on SQL Server, so a
 * failed migration leaves no half-made schema.
 */
export async function migrateMssql(db: CatalogDb, migrations = mssqlMigrations): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    const { rows: lock } = await sql<{ result: number }>`
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = N'scaleout-catalog-migrations', @LockMode = N'Exclusive',
                             @LockOwner = N'Transaction', @LockTimeout = ${sql.lit(migrationLockWaitMs)};
SELECT @result AS result;`.execute(trx);
    if ((lock[0]?.result ?? -999) < 0) {
      throw new Error(`could not take the migration lock (sp_getapplock returned ${lock[0]?.result})`);
    }
    await sql.raw(ledgerTableBatch).execute(trx);
    const done = new Set(
      (await trx.selectFrom('schema_migrations').select('version').execute()).map((row) => row.version),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const batch of migration.batches) await sql.raw(batch).execute(trx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name, applied_time: Date.now() })
        .execute();
      applied.push(migration.version);
    }
    return applied;
  });
}
