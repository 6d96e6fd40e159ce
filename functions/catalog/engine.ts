import type { Insertable, Kysely, Transaction } from 'kysely';
import type { CatalogTables, EventMessagesTable } from './schema.js';

export type CatalogDb = Kysely<CatalogTables>;
export type CatalogTrx = Transaction<CatalogTables>;

export interface ClaimTasksParams {
  workerAgentId: string;
  /** How many tasks the worker asks for; the engine never leases beyond its MaxTaskCount. */
  slots: number;
  /** The worker's id for this claim, kept on the tasks it leases; null from a worker that sends none. */
  claimId: string | null;
  now: number;
  leaseDeadline: number;
}

export interface ClaimedTaskRow {
  task_id: number;
  execution_id: number;
  attempt_number: number;
}

/**
 * What differs between SQLite and SQL Server. Everything else in the catalog is one Kysely query for both
 * (SQL Server's spelling of limit/offset and returning is handled by its MssqlCompatibilityPlugin).
 * An engine owns its connections and transactions.
 */
export interface CatalogEngine {
  readonly kind: 'sqlite' | 'mssql';
  readonly db: CatalogDb;

  /** Applies pending migrations; safe when several master instances start at once. */
  migrate(): Promise<void>;

  /**
   * Runs `work` in one short write transaction: all of it is committed, or none of it. SQLite takes the write lock
   * up front (`BEGIN IMMEDIATE`) so two processes never deadlock upgrading a read lock, and lets transactions that
   * wait together share one commit, each in its own savepoint (see sqlite/group-commit.ts); SQL Server retries
   * the whole transaction on transient errors.
   */
  transaction<T>(work: (trx: CatalogTrx) => Promise<T>): Promise<T>;

  /**
   * Calls `wake` once what `trx` wrote can be seen by the claims that follow, and never when it is rolled back:
   * on SQLite as soon as the operation succeeded, so a claim `wake` wakes joins its commit (sqlite/group-commit.ts);
   * on SQL Server after the commit. `wake` says whether it woke a claim.
   */
  whenVisible(trx: CatalogTrx, wake: () => boolean): void;

  /** Runs reads outside a transaction; SQL Server retries them on transient errors. */
  read<T>(work: (db: CatalogDb) => Promise<T>): Promise<T>;

  /**
   * Runs one write that is atomic by itself with no transaction around it: no BEGIN and COMMIT round trips, so
   * the catalog hears one statement. Only for a write that leaves the same state however often it runs, as SQL
   * Server runs it again after a transient failure (its outcome may be unknown then).
   */
  autocommit<T>(work: (db: CatalogDb) => Promise<T>): Promise<T>;

  /** Inserts event messages, silently skipping any (task_id, sequence_number) already stored. */
  insertEventMessagesIgnoringDuplicates(
    trx: CatalogTrx,
    rows: readonly Insertable<EventMessagesTable>[],
  ): Promise<void>;

  /** The task claim: one statement that leases up to `slots` eligible pending tasks, oldest first. */
  claimTasks(trx: CatalogTrx, params: ClaimTasksParams): Promise<ClaimedTaskRow[]>;

  destroy(): Promise<void>;
}
