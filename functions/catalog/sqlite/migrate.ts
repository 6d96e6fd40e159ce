import type BetterSqlite3 from 'better-sqlite3';
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

export interface SqliteMigration {
  version: number;
  name: string;
  /** One or more statements, run with `exec`. */
  sql: string;
}

/** Every SQLite migration, in order. Append-only. */
export const sqliteMigrations: readonly SqliteMigration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0008, migration0009, migration0010, migration0011, migration0012, migration0013];

/**
 * Applies the migrations this file has not seen, each with its ledger row, all in one `BEGIN IMMEDIATE`
 * transaction: a second process starting at the same moment waits for the lock, then finds nothing to do.
 */
export function migrateSqlite(database: BetterSqlite3.Database, migrations = sqliteMigrations): number[] {
  const applied: number[] = [];
  database.exec('BEGIN IMMEDIATE');
  try {
    database.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_time INTEGER NOT NULL)',
    );
    const done = new Set(
      database
        .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
        .all()
        .map((row) => row.version),
    );
    const record = database.prepare('INSERT INTO schema_migrations (version, name, applied_time) VALUES (?, ?, ?)');
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      database.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      applied.push(migration.version);
    }
    database.exec('COMMIT');
  } catch (error) {
    database.exec('ROLLBACK');
    throw error;
  }
  return applied;
}
