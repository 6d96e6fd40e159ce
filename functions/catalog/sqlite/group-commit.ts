import type BetterSqlite3 from 'better-sqlite3';
import type { CatalogDb, CatalogTrx } from '../engine.js';

/** Taken at load, so that a test faking timers cannot stall the catalog. */
const immediate = setImmediate;
const afterEventLoopTurn = (): Promise<void> => new Promise((resolve) => immediate(resolve));

interface Waiting {
  work: (trx: CatalogTrx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the catalog's write transactions that wait for the one SQLite connection run together in one
 * database transaction, each inside its own savepoint, and share its commit.
 *
 * Why: with `synchronous = FULL` every commit waits for the disk (an fsync of the WAL), which bounds a process to
 * a few thousand commits a second however little each transaction does. Sharing the commit keeps every
 * guarantee of one transaction per operation:
 * - atomic: an operation that throws is rolled back to its savepoint and rejected; the others go on;
 * - isolated: operations run one after the other on the one connection, under the write lock;
 * - durable: an operation's promise resolves only once the commit that holds it is on disk, and rejects when
 *   that commit fails, so nothing is acknowledged that could be lost.
 * An operation that arrives while a batch runs joins it, up to `maxBatch`, which keeps each transaction short.
 *
 * A batch begins only once the event loop has had its turn (setImmediate). better-sqlite3 is synchronous: the
 * fsync of a commit blocks the thread, and everything a batch does runs in promise callbacks, which the event
 * loop does not interrupt to read sockets. Begun at once, each request's transaction would get a commit of its
 * own, while the requests that arrived during that fsync wait unread. Begun after the loop's turn, every
 * request read meanwhile has queued its transaction, and they share the next commit. When the master is idle
 * the wait is a few microseconds.
 *
 * A write that makes work claimable can wake a claim waiting on this process (`whenDone`). The woken claim's
 * transaction would miss the batch by a few promise turns and wait for a commit of its own; so a batch in which
 * an operation woke one waits one more event-loop turn before it commits, and the claim joins it: the start and
 * the claim that takes its task share one fsync. The claim sees the task because it runs on the same connection
 * after the start's savepoint, and its answer, like every operation's, is given only once the commit is on disk.
 */
export class GroupCommit {
  readonly #waiting: Waiting[] = [];
  #draining = false;
  /** The wakes the running operation asked for (`whenDone`); called once it succeeded. */
  #wakes: (() => boolean)[] = [];
  /** An operation of the open batch woke a claim, whose transaction will join it if the batch waits a turn. */
  #wokeClaim = false;
  readonly #savepoint: BetterSqlite3.Statement;
  readonly #release: BetterSqlite3.Statement;
  readonly #rollbackTo: BetterSqlite3.Statement;

  /**
   * @param database the connection `db` runs on. The savepoint commands go to it directly: they need nothing
   * Kysely offers, and they run once per operation. It also tells whether a transaction is still open: SQLite
   * rolls a whole transaction back on some errors (disk full, I/O), which takes the batch's earlier operations
   * with it.
   */
  constructor(
    private readonly db: CatalogDb,
    private readonly database: BetterSqlite3.Database,
    private readonly maxBatch = 64,
  ) {
    this.#savepoint = database.prepare('SAVEPOINT operation');
    this.#release = database.prepare('RELEASE operation');
    this.#rollbackTo = database.prepare('ROLLBACK TO operation');
  }

  run<T>(work: (trx: CatalogTrx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        void this.#drain();
      }
    });
  }

  /**
   * Calls `wake` once the running operation succeeded, before its batch commits: the operations after it on the
   * connection see its writes. `wake` says whether it woke a claim, which then joins this batch. An operation
   * that fails wakes nothing.
   */
  whenDone(wake: () => boolean): void {
    this.#wakes.push(wake);
  }

  async #drain(): Promise<void> {
    do {
      await afterEventLoopTurn();
      await this.#commitBatch();
    } while (this.#waiting.length > 0);
    this.#draining = false;
  }

  /** One database transaction; settles every operation it took, and never throws. */
  async #commitBatch(): Promise<void> {
    const done: { waiting: Waiting; value: unknown }[] = [];
    let current: Waiting | undefined;
    let begun = false;
    this.#wokeClaim = false;
    try {
      await this.db.transaction().execute(async (trx) => {
        begun = true;
        while (done.length < this.maxBatch) {
          current = this.#waiting.shift();
          if (!current) {
            if (!this.#wokeClaim) break;
            this.#wokeClaim = false;
            await afterEventLoopTurn();
            continue;
          }
          this.#wakes = [];
          this.#savepoint.run();
          let value: unknown;
          try {
            value = await current.work(trx);
          } catch (error) {
            if (!this.database.inTransaction) {
              // SQLite ended the transaction: the operations done so far were undone too. They did nothing wrong,
              // so they run again in the next batch; this one fails.
              this.#waiting.unshift(...done.splice(0).map((entry) => entry.waiting));
              throw error;
            }
            this.#rollbackTo.run();
            this.#release.run();
            current.reject(error);
            current = undefined;
            continue;
          }
          this.#release.run();
          done.push({ waiting: current, value });
          current = undefined;
          for (const wake of this.#wakes.splice(0)) if (wake()) this.#wokeClaim = true;
        }
      });
    } catch (error) {
      current?.reject(error);
      if (!begun && !current) {
        // BEGIN failed (another process held the write lock past the busy timeout): the operation at the head of
        // the queue fails, as it would have on its own; the next one tries again.
        this.#waiting.shift()?.reject(error);
      }
      for (const entry of done) entry.waiting.reject(error);
      return;
    }
    for (const entry of done) entry.waiting.resolve(entry.value);
  }
}
