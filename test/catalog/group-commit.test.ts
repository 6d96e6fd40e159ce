import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEngine } from '../../functions/catalog/sqlite/engine.js';

describe('SQLite group commit', () => {
  let folder: string;
  let engine: SqliteEngine;
  const statements: string[] = [];

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-group-commit-'));
    statements.length = 0;
    engine = new SqliteEngine({ filename: join(folder, 'catalog.sqlite'), log: (event) => void statements.push(event.query.sql.toLowerCase()) });
    await engine.migrate();
  });

  afterEach(async () => {
    await engine.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  const insert = (name: string) =>
    engine.transaction(async (trx) => {
      await trx.insertInto('folders').values({ name, description: '', created_time: 1 }).execute();
      return name;
    });

  it('commits transactions that arrive together with one COMMIT, each answered with its own result', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `folder-${i}`);
    expect(await Promise.all(names.map(insert))).toEqual(names);
    const commits = statements.filter((s) => s === 'commit').length;
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThan(names.length);
    const stored = await engine.db.selectFrom('folders').select('name').orderBy('folder_id').execute();
    expect(stored.map((row) => row.name)).toEqual(names);
  });

  it('rolls back only the transaction that failed; the others of its batch commit', async () => {
    const failing = engine.transaction(async (trx) => {
      await trx.insertInto('folders').values({ name: 'half-done', description: '', created_time: 1 }).execute();
      throw new Error('changed my mind');
    });
    const duplicate = engine.transaction(async (trx) => {
      await trx.insertInto('folders').values({ name: 'b', description: '', created_time: 1 }).execute();
      // The same name again breaks the unique constraint: this transaction fails, and its first insert goes too.
      await trx.insertInto('folders').values({ name: 'B', description: '', created_time: 1 }).execute();
    });
    const results = await Promise.allSettled([insert('a'), failing, duplicate, insert('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(statements.filter((s) => s === 'commit').length).toBeLessThan(4);
    const stored = await engine.db.selectFrom('folders').select('name').orderBy('folder_id').execute();
    expect(stored.map((row) => row.name)).toEqual(['a', 'c']);
  });

  it('lets each transaction of a batch see the ones before it, as if they had committed first', async () => {
    const first = insert('seen');
    const second = engine.transaction(async (trx) =>
      (await trx.selectFrom('folders').select('name').where('name', '=', 'seen').executeTakeFirst())?.name,
    );
    expect(await Promise.all([first, second])).toEqual(['seen', 'seen']);
  });
});
