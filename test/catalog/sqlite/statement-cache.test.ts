import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../../../functions/catalog/sqlite/statement-cache.js';

let database: BetterSqlite3.Database;

beforeEach(() => {
  database = new BetterSqlite3(':memory:');
});

afterEach(() => {
  if (database.open) database.close();
});

describe('SQLite statement cache', () => {
  it('prepares a text once and hands back the same statement', () => {
    const cached = withStatementCache(database);
    const first = cached.prepare('select 1 as one');
    expect(cached.prepare('select 1 as one')).toBe(first);
    expect(first.all([])).toEqual([{ one: 1 }]);
    expect(cached.prepare('select 2 as two')).not.toBe(first);
  });

  it('drops the oldest statement beyond its capacity', () => {
    const cached = withStatementCache(database, 2);
    const a = cached.prepare('select 1');
    const b = cached.prepare('select 2');
    cached.prepare('select 3');
    expect(cached.prepare('select 2')).toBe(b);
    expect(cached.prepare('select 1')).not.toBe(a);
  });

  it('closes the database', () => {
    withStatementCache(database).close();
    expect(database.open).toBe(false);
  });
});
