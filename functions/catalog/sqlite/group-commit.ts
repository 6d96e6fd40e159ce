import { sql, type Kysely } from 'kysely';
import type { CatalogTrx } from '../engine.js';
import type { CatalogTables } from '../schema.js';

interface Queued {
  work: (trx: CatalogTrx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Most transactions committed together: keeps the write lock short enough for another process's turn. */
const maxBatch = 64;

/**
 * Group commit for the SQLite catalog. With synchronous=FULL every COMMIT waits for the disk (an fsync: 4 ms on
 * a virtual disk), and better-sqlite3 waits on the main thread, so one commit per request caps the master at a
 * few hundred transactions a second whatever the CPU. Transactions that arrive while a commit is in progress
 * are run one after the other inside one SQLite transaction, each within its own savepoint, and committed
 * together: one fsync for all.
 *
 * Nothing is weakened: each caller is answered only after the COMMIT that made its changes durable; a
 * transaction that throws is rolled back to its savepoint and fails alone; one that ran before another in the
 * batch is seen by it exactly as if it had committed first (the batch is a serial order). If the COMMIT itself
 * fails, every transaction of the batch fails.
 */
export class GroupCommit {
  readonly #queue: Queued[] = [];
  #running = false;

  constructor(private readonly db: Kysely<CatalogTables>) {}

  run<T>(work: (trx: CatalogTrx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        // One turn of the event loop first: requests that arrived meanwhile join this batch.
        await new Promise((resolve) => setImmediate(resolve));
        await this.#commit(this.#queue.splice(0, maxBatch));
      }
    } finally {
      this.#running = false;
    }
  }

  async #commit(batch: Queued[]): Promise<void> {
    if (batch.length === 1) {
      const [only] = batch as [Queued];
      await this.db.transaction().execute(only.work).then(only.resolve, only.reject);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const item of batch) {
          await sql`SAVEPOINT grouped`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await item.work(trx) });
          } catch (error) {
            await sql`ROLLBACK TO grouped`.execute(trx);
            outcomes.push({ ok: false, error });
          }
          await sql`RELEASE grouped`.execute(trx);
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const [index, item] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    }
  }
}
