import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hotQuery } from '../../functions/catalog/hot-query.js';
import { SqliteEngine } from '../../functions/catalog/sqlite/engine.js';

describe('hot queries', () => {
  let folder: string;
  let engine: SqliteEngine;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-hot-query-'));
    engine = new SqliteEngine({ filename: join(folder, 'catalog.sqlite') });
    await engine.migrate();
  });

  afterEach(async () => {
    await engine.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  it('builds once, then runs with each run’s values, in and out of transactions', async () => {
    let builds = 0;
    const insertFolder = hotQuery((db, v: { name: string; description: string }) => {
      builds++;
      return db.insertInto('folders').values({ name: v.name, description: v.description, created_time: 7 }).returning('folder_id');
    });
    const byName = hotQuery((db, v: { name: string }) => db.selectFrom('folders').select(['name', 'description']).where('name', '=', v.name));
    await engine.transaction((trx) => insertFolder(trx, { name: 'a', description: 'first' }));
    await engine.transaction((trx) => insertFolder(trx, { name: 'b', description: '' }));
    expect(builds).toBe(1);
    expect((await byName(engine.db, { name: 'b' })).rows).toEqual([{ name: 'b', description: '' }]);
    expect((await byName(engine.db, { name: 'a' })).rows).toEqual([{ name: 'a', description: 'first' }]);
  });

  it('refuses, at its first run, a value that is not one parameter of the statement', async () => {
    const byName = hotQuery((db, v: { name: string; description: string }) => db.selectFrom('folders').selectAll().where('name', '=', v.name));
    await expect(byName(engine.db, { name: 'a', description: 'b' })).rejects.toThrow(/hot query: description not taken as a parameter/);
  });
});
