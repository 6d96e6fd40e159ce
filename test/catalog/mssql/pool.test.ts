import { EventEmitter } from 'node:events';
import * as Tedious from 'tedious';
import { Kysely, MssqlDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { idleConnectionMs, mssqlPool } from '../../../functions/catalog/mssql/pool.js';

/**
 * What Kysely's MssqlDialect asks of a tedious connection while it is only connected, acquired and released: no
 * request may reach it, so any round trip (a validation query) fails the test.
 */
class IdleConnection extends EventEmitter {
  closed = false;
  connect(done: (error?: Error) => void): void {
    done();
  }
  close(): void {
    this.closed = true;
    this.emit('end');
  }
  execSql(): never {
    throw new Error('the pool sent a request');
  }
}

function pooledDb(max = 2) {
  const made: IdleConnection[] = [];
  const pool = mssqlPool(() => {
    const connection = new IdleConnection();
    made.push(connection);
    return connection as unknown as Tedious.Connection;
  }, max);
  const db = new Kysely<Record<string, never>>({
    dialect: new MssqlDialect({ tarn: pool.tarn, validateConnections: false, tedious: { ...Tedious, connectionFactory: pool.connectionFactory } }),
  });
  return { db, made, pool };
}

describe('the SQL Server connection pool', () => {
  it('reuses a connection without a validation round trip', async () => {
    const { db, made } = pooledDb();
    try {
      for (let i = 0; i < 5; i++) await db.connection().execute(async () => {});
      expect(made).toHaveLength(1);
    } finally {
      await db.destroy();
    }
  });

  it('never hands out a connection whose socket has closed: it makes a new one', async () => {
    const { db, made } = pooledDb();
    try {
      await db.connection().execute(async () => {});
      made[0]!.closed = true; // the gateway dropped it while it sat in the pool
      await db.connection().execute(async () => {});
      expect(made).toHaveLength(2);
      await db.connection().execute(async () => {});
      expect(made).toHaveLength(2);
    } finally {
      await db.destroy();
    }
  });

  it('keeps idle connections for about 5 minutes, and at most the pool size', async () => {
    const { db, made, pool } = pooledDb(3);
    try {
      expect(pool.tarn.options).toMatchObject({ min: 0, max: 3, idleTimeoutMillis: idleConnectionMs });
      expect(idleConnectionMs).toBe(300_000);
      await Promise.all(Array.from({ length: 6 }, () => db.connection().execute(() => new Promise((resolve) => setTimeout(resolve, 20)))));
      expect(made).toHaveLength(3);
    } finally {
      await db.destroy();
    }
  });
});
