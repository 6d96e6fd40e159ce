import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * The better-sqlite3 database as Kysely's SQLite driver sees it, with its prepared statements kept for reuse.
 * Kysely prepares every query it runs; the catalog runs the same few dozen statements over and over, and
 * preparing one costs about as much as running it. Least recently used statements are dropped beyond
 * `capacity`, because `in (…)` lists of varying length make distinct texts.
 */
export function withStatementCache(database: BetterSqlite3.Database, capacity = 256): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement) {
        // Re-inserting moves it to the end: the Map's order is the recency order.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
