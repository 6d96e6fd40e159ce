import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * The better-sqlite3 database as Kysely's SQLite driver sees it, with its prepared statements kept for reuse.
 * Kysely prepares every query it runs; the catalog runs the same few dozen statements over and over, and
 * preparing one costs about as much as running it. Beyond `capacity` the oldest statement is dropped: `in (…)`
 * lists of varying length make distinct texts, but far fewer than the capacity.
 */
export function withStatementCache(database: BetterSqlite3.Database, capacity = 256): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached) return cached;
      const statement = database.prepare(sql);
      if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
      statements.set(sql, statement);
      return statement;
    },
  };
}
