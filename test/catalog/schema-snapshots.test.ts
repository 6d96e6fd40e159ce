import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ledgerTableBatch, mssqlMigrations } from '../../functions/catalog/mssql/migrate.js';
import { migrateSqlite } from '../../functions/catalog/sqlite/migrate.js';
import { describeMssqlSchema, type MssqlSchema } from '../support/mssql-schema.js';

/**
 * One committed schema snapshot per engine, so that a schema change shows in review and a migration that drifts
 * from its snapshot fails here (update a snapshot with `npx vitest run -u` once the change is intended).
 */

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

function migratedSqlite(): BetterSqlite3.Database {
  const database = new BetterSqlite3(':memory:');
  migrateSqlite(database);
  return database;
}

function sqliteDdl(database: BetterSqlite3.Database): string {
  const rows = database
    .prepare<[], { sql: string }>(
      "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name",
    )
    .all();
  return `${rows.map((row) => `${row.sql};`).join('\n\n')}\n`;
}

const mssqlSchema = (): MssqlSchema =>
  describeMssqlSchema([ledgerTableBatch, ...mssqlMigrations.flatMap((migration) => migration.batches)]);

describe('schema snapshots', () => {
  it('SQLite: the DDL in sqlite_master after migrating', async () => {
    const database = migratedSqlite();
    try {
      await expect(sqliteDdl(database)).toMatchFileSnapshot('../../functions/catalog/sqlite/schema.snapshot.sql');
    } finally {
      database.close();
    }
  });

  it('SQL Server: the tables, columns, indexes and views the migration batches declare', async () => {
    await expect(`${JSON.stringify(mssqlSchema(), null, 2)}\n`).toMatchFileSnapshot(
      '../../functions/catalog/mssql/schema.snapshot.json',
    );
  });

  it('both engines declare the same tables with the same columns, in the same order and nullability', () => {
    const database = migratedSqlite();
    try {
      const tables = database
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all()
        .map((row) => row.name);
      const sqlite = Object.fromEntries(
        tables.map((table) => [
          table,
          database
            .prepare<[], SqliteColumn>(`SELECT * FROM pragma_table_info('${table}')`)
            .all()
            // A primary key column can hold no NULL on either engine, whether or not it says NOT NULL.
            .map((column) => [column.name, column.notnull === 1 || column.pk > 0 ? 'not null' : 'null']),
        ]),
      );
      const mssql = Object.fromEntries(
        Object.entries(mssqlSchema().tables)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([table, { columns }]) => [
            table,
            Object.entries(columns).map(([name, column]) => [name, column.endsWith(' not null') ? 'not null' : 'null']),
          ]),
      );
      expect(mssql).toEqual(sqlite);
    } finally {
      database.close();
    }
  });
});

describe('describeMssqlSchema', () => {
  it('refuses a statement it does not know, so a new kind of migration cannot slip past the snapshot', () => {
    expect(() => describeMssqlSchema(["EXEC sp_rename N'dbo.tasks.state', N'phase', N'COLUMN';"])).toThrow(/does not know this statement/);
  });

  it('adds the columns of an ALTER TABLE … ADD to the table declared before it', () => {
    const schema = describeMssqlSchema(['CREATE TABLE dbo.t (\n  a int NOT NULL\n);', 'ALTER TABLE dbo.t ADD b nvarchar(8) NULL;']);
    expect(schema.tables['t']?.columns).toEqual({ a: 'int not null', b: 'nvarchar(8) null' });
  });
});
