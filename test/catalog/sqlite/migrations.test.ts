import BetterSqlite3 from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateSqlite, sqliteMigrations } from '../../../functions/catalog/sqlite/migrate.js';
import { distModule } from '../../support/dist.js';

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'scaleout-migrations-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function ledger(filename: string): { version: number; name: string; applied_time: number }[] {
  const database = new BetterSqlite3(filename, { readonly: true });
  try {
    return database.prepare<[], { version: number; name: string; applied_time: number }>('SELECT * FROM schema_migrations ORDER BY version').all();
  } finally {
    database.close();
  }
}

describe('SQLite migrations', () => {
  it('apply once, each with a ledger row, and then do nothing', () => {
    const filename = join(folder, 'catalog.sqlite');
    const database = new BetterSqlite3(filename);
    try {
      const before = Date.now();
      expect(migrateSqlite(database)).toEqual(sqliteMigrations.map((m) => m.version));
      expect(migrateSqlite(database)).toEqual([]);
      const rows = ledger(filename);
      expect(rows.map((row) => [row.version, row.name])).toEqual(sqliteMigrations.map((m) => [m.version, m.name]));
      for (const row of rows) expect(row.applied_time).toBeGreaterThanOrEqual(before);
    } finally {
      database.close();
    }
  });

  // Gaps are allowed: numbers are handed out per piece of work, and the ledger applies whatever it has not seen.
  it('are numbered from 1 in increasing order', () => {
    const versions = sqliteMigrations.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });

  it('leave nothing behind when one fails: not its tables, not its ledger row, not those before it', () => {
    const database = new BetterSqlite3(join(folder, 'catalog.sqlite'));
    try {
      const good = { version: 1, name: 'good', sql: 'CREATE TABLE good (id INTEGER);' };
      const bad = { version: 2, name: 'bad', sql: 'CREATE TABLE bad (id INTEGER); INSERT INTO nowhere VALUES (1);' };
      expect(() => migrateSqlite(database, [good, bad])).toThrow(/no such table: nowhere/);
      const tables = database.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      expect(tables.map((t) => t.name)).toEqual([]);
      expect(database.inTransaction).toBe(false);
    } finally {
      database.close();
    }
  });

  it('0011 gives each existing executor and reader key what its role allowed on each existing folder, and admins and revoked keys nothing', () => {
    const database = new BetterSqlite3(join(folder, 'catalog.sqlite'));
    try {
      migrateSqlite(database, sqliteMigrations.filter((m) => m.version < 11));
      database.exec(`
        INSERT INTO folders (name, description, created_time) VALUES ('Finance', '', 0), ('HR', '', 0);
        INSERT INTO api_keys (api_key_id, name, key_hash, role, created_by, created_time, revoked_time) VALUES
          ('exec', 'e', 'h', 'executor', 'x', 0, NULL), ('read', 'r', 'h', 'reader', 'x', 0, NULL),
          ('boss', 'a', 'h', 'admin', 'x', 0, NULL), ('gone', 'g', 'h', 'executor', 'x', 0, 5);`);
      const before = Date.now();
      expect(migrateSqlite(database, sqliteMigrations.filter((m) => m.version <= 11))).toEqual([11]);
      const rows = database
        .prepare<[], { folder: string; principal: string; permission_type: number; is_deny: number; grantor: string; granted_time: number }>(
          `SELECT f.name AS folder, p.principal, p.permission_type, p.is_deny, p.grantor, p.granted_time
           FROM object_permissions p JOIN folders f ON f.folder_id = p.object_id AND p.object_type = 1
           ORDER BY f.name, p.principal, p.permission_type`,
        )
        .all();
      const folderGrants = (name: string) => rows.filter((r) => r.folder === name).map((r) => `${r.principal} ${r.permission_type}`);
      const expected = ['apikey:exec 1', 'apikey:exec 100', 'apikey:exec 101', 'apikey:exec 102', 'apikey:exec 103', 'apikey:read 1', 'apikey:read 101'];
      expect(folderGrants('Finance')).toEqual(expected);
      expect(folderGrants('HR')).toEqual(expected);
      for (const row of rows) {
        expect(row).toMatchObject({ is_deny: 0, grantor: 'migration:0011' });
        expect(row.granted_time).toBeGreaterThanOrEqual(before - 1000);
        expect(row.granted_time).toBeLessThanOrEqual(Date.now() + 1000);
      }
    } finally {
      database.close();
    }
  });

  it('applied by several processes at once to one new file, end with one ledger row per migration', async () => {
    const run = promisify(execFile);
    const script = `
      const { SqliteEngine } = await import(${JSON.stringify(distModule('functions/catalog/sqlite/engine.js'))});
      const engine = new SqliteEngine({ filename: process.argv[1] });
      await engine.migrate();
      await engine.destroy();`;
    for (let round = 0; round < 2; round++) {
      const filename = join(folder, `catalog-${round}.sqlite`);
      await Promise.all(
        Array.from({ length: 4 }, () => run(process.execPath, ['--input-type=module', '-e', script, filename])),
      );
      expect(ledger(filename).map((row) => row.version)).toEqual(sqliteMigrations.map((m) => m.version));
    }
  });
});
