import BetterSqlite3 from 'better-sqlite3';
import { sql, type LogEvent } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogTrx } from '../../../functions/catalog/engine.js';
import { SqliteEngine } from '../../../functions/catalog/sqlite/engine.js';

let folder: string;
let filename: string;
let engine: SqliteEngine;
let statements: string[];

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'scaleout-group-commit-'));
  filename = join(folder, 'catalog.sqlite');
  statements = [];
  engine = new SqliteEngine({
    filename,
    busyTimeoutMs: 20,
    log: (event: LogEvent) => void statements.push(event.query.sql.toLowerCase()),
  });
  await engine.migrate();
  await sql`create table scratch (name text not null unique)`.execute(engine.db);
  // A deferred foreign key is checked only at COMMIT: the way to make a commit fail on purpose.
  await sql`create table child (parent text references scratch (name) deferrable initially deferred)`.execute(engine.db);
  statements = [];
});

afterEach(async () => {
  await engine.destroy();
  rmSync(folder, { recursive: true, force: true });
});

const insert = (name: string) => async (trx: CatalogTrx) => {
  await sql`insert into scratch (name) values (${name})`.execute(trx);
  return name;
};

async function names(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from scratch order by name`.execute(engine.db);
  return rows.map((row) => row.name);
}

const commits = () => statements.filter((text) => text === 'commit').length;

describe('SQLite group commit', () => {
  it('runs transactions that wait together under one commit', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => engine.transaction(insert(name))));
    expect(results).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(commits()).toBe(1);
    expect(await names()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('lets transactions asked for in separate event-loop callbacks share a commit', async () => {
    // As requests read from different sockets in one turn of the event loop: each callback runs to its end
    // (microtasks included) before the next one starts.
    const results = await Promise.all(
      ['a', 'b', 'c'].map(
        (name) =>
          new Promise<string>((resolve, reject) => {
            setImmediate(() => void engine.transaction(insert(name)).then(resolve, reject));
          }),
      ),
    );
    expect(results).toEqual(['a', 'b', 'c']);
    expect(commits()).toBe(1);
  });

  it('lets each transaction of a batch see the ones before it, as if they had committed first', async () => {
    const first = engine.transaction(insert('a'));
    const second = engine.transaction(async (trx) => (await sql<{ name: string }>`select name from scratch`.execute(trx)).rows);
    expect(await Promise.all([first, second])).toEqual(['a', [{ name: 'a' }]]);
    expect(commits()).toBe(1);
  });

  it('lets a transaction woken by an operation join its commit, and see what the operation wrote', async () => {
    let woken: Promise<string[]> | undefined;
    // As a held claim: woken, it reaches the catalog a few promise turns later, after the operation returned.
    const wakeClaim = (): boolean => {
      woken = (async () => {
        await null;
        await null;
        return engine.transaction(async (trx) => (await sql<{ name: string }>`select name from scratch`.execute(trx)).rows.map((row) => row.name));
      })();
      return true;
    };
    await engine.transaction(async (trx) => {
      await insert('queued')(trx);
      engine.whenVisible(trx, wakeClaim);
    });
    expect(await woken).toEqual(['queued']);
    expect(commits()).toBe(1);
  });

  it('wakes nothing for an operation that was rolled back', async () => {
    let wakes = 0;
    const results = await Promise.allSettled([
      engine.transaction(async (trx) => {
        await insert('refused')(trx);
        engine.whenVisible(trx, () => ++wakes > 0);
        throw new Error('refused');
      }),
      engine.transaction(insert('a')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(wakes).toBe(0);
    expect(await names()).toEqual(['a']);
  });

  it('keeps each batch short: at most 64 transactions share a commit', async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => engine.transaction(insert(`n${i}`))));
    expect(commits()).toBe(2);
    expect(await names()).toHaveLength(100);
  });

  it('rolls back only the transaction that throws, and rejects it with its own error', async () => {
    const results = await Promise.allSettled([
      engine.transaction(insert('a')),
      engine.transaction(async (trx) => {
        await insert('half-done')(trx);
        throw new Error('refused');
      }),
      engine.transaction(insert('a')),
      engine.transaction(insert('b')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('refused'));
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(commits()).toBe(1);
    expect(await names()).toEqual(['a', 'b']);
  });

  it('rejects every transaction of a batch whose commit fails, and keeps none of them', async () => {
    const orphan = engine.transaction(async (trx) => {
      await sql`insert into child (parent) values ('nobody')`.execute(trx);
    });
    const results = await Promise.allSettled([engine.transaction(insert('a')), orphan, engine.transaction(insert('b'))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY constraint failed/);
    expect(await names()).toEqual([]);
    // The engine goes on working after a failed commit.
    expect(await engine.transaction(insert('c'))).toBe('c');
  });

  it('runs again the transactions undone when SQLite ends the whole transaction', async () => {
    const ended = engine.transaction(async (trx) => {
      // What SQLite does by itself on a full disk or an I/O error.
      await sql`rollback`.execute(trx);
      throw new Error('disk full');
    });
    const results = await Promise.allSettled([engine.transaction(insert('a')), ended, engine.transaction(insert('b'))]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('disk full'));
    expect(await names()).toEqual(['a', 'b']);
  });

  it('fails a transaction that cannot get the write lock in time, and the next one tries again', async () => {
    const other = new BetterSqlite3(filename);
    other.exec('BEGIN IMMEDIATE');
    try {
      const [first, second] = await Promise.allSettled([engine.transaction(insert('a')), engine.transaction(insert('b'))]);
      expect(first.status).toBe('rejected');
      expect(String((first as PromiseRejectedResult).reason)).toMatch(/database is locked/);
      expect(second.status).toBe('rejected');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await engine.transaction(insert('c'))).toBe('c');
    expect(await names()).toEqual(['c']);
  });
});
