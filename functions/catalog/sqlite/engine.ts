import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Insertable,
  type KyselyConfig,
  type KyselyPlugin,
} from 'kysely';
import type { CatalogEngine, CatalogTrx } from '../engine.js';
import type { CatalogTables, EventMessagesTable } from '../schema.js';
import { claimTasksSqlite } from './claim-tasks.js';
import { GroupCommit } from './group-commit.js';
import { migrateSqlite } from './migrate.js';
import { withStatementCache } from './statement-cache.js';

export interface SqliteEngineOptions {
  /** The catalog file, or `:memory:`. Its folder is created when missing. */
  filename: string;
  /**
   * `FULL` makes every commit durable against power loss (the default, as a catalog should be); `NORMAL` is
   * durable against a process crash only, and several times faster.
   * @default 'FULL'
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another process's lock before failing. @default 5000 */
  busyTimeoutMs?: number;
  /** Kysely's query log, e.g. to count catalog queries. */
  log?: KyselyConfig['log'];
  plugins?: KyselyPlugin[];
}

/** Kysely's SQLite driver, beginning transactions IMMEDIATE (see CatalogEngine.transaction). */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(private readonly database: BetterSqlite3.Database) {
    super({ database: withStatementCache(database) });
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  // SQLite itself rolls a transaction back on some errors (disk full, I/O); a second ROLLBACK would then fail and
  // hide the error that caused it.
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }
}

/** Rows per event-message INSERT, largest first (7 parameters a row; SQLite allows 32766 per statement). */
const insertChunkRows = [512, 256, 128, 64, 32, 16, 8, 4, 2, 1];
const insertEventMessagesTexts = new Map<number, string>();

function insertEventMessagesSql(rows: number): string {
  let sql = insertEventMessagesTexts.get(rows);
  if (!sql) {
    const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
    sql = `insert or ignore into "event_messages" ("execution_id", "task_id", "sequence_number", "message_time", "message_type", "message_source_name", "message") values ${values}`;
    insertEventMessagesTexts.set(rows, sql);
  }
  return sql;
}

/**
 * The embedded default: a SQLite file through better-sqlite3, in WAL mode. Open one engine per file in a process:
 * SQLite waits for a lock by sleeping the thread, so a second connection of the same process waiting for the
 * first one's write lock would block the very thread that must release it.
 */
export class SqliteEngine implements CatalogEngine {
  readonly kind = 'sqlite';
  readonly db: Kysely<CatalogTables>;
  readonly #database: BetterSqlite3.Database;
  readonly #groupCommit: GroupCommit;

  constructor(options: SqliteEngineOptions) {
    if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true });
    const database = new BetterSqlite3(options.filename);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.#database = database;
    this.db = new Kysely<CatalogTables>({
      dialect: {
        createAdapter: () => new SqliteAdapter(),
        createDriver: () => new ImmediateSqliteDriver(database),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
      ...(options.log ? { log: options.log } : {}),
      ...(options.plugins ? { plugins: options.plugins } : {}),
    });
    this.#groupCommit = new GroupCommit(this.db, database);
  }

  async migrate(): Promise<void> {
    migrateSqlite(this.#database);
  }

  /** Runs `work` under the write lock, sharing its commit with the transactions waiting beside it (GroupCommit). */
  transaction<T>(work: (trx: CatalogTrx) => Promise<T>): Promise<T> {
    return this.#groupCommit.run(work);
  }

  /** Every transaction is an operation of the group commit, which runs one at a time. */
  whenVisible(_trx: CatalogTrx, wake: () => boolean): void {
    this.#groupCommit.whenDone(wake);
  }

  read<T>(work: (db: Kysely<CatalogTables>) => Promise<T>): Promise<T> {
    return work(this.db);
  }

  /**
   * The statement waits for the one connection (Kysely's lock on it), so it never lands inside a group commit's
   * transaction: SQLite commits it by itself.
   */
  autocommit<T>(work: (db: Kysely<CatalogTables>) => Promise<T>): Promise<T> {
    return work(this.db);
  }

  /**
   * Built as SQL text rather than through Kysely's insert builder, which costs more than SQLite's own work on a
   * batch of thousands of rows. A batch goes in as statements of the sizes in `insertChunkRows`, so the statement
   * cache keeps a few texts instead of one per batch length.
   */
  async insertEventMessagesIgnoringDuplicates(
    trx: CatalogTrx,
    rows: readonly Insertable<EventMessagesTable>[],
  ): Promise<void> {
    let start = 0;
    for (const size of insertChunkRows) {
      for (; rows.length - start >= size; start += size) {
        const parameters: unknown[] = [];
        for (let i = start; i < start + size; i++) {
          const row = rows[i]!;
          parameters.push(row.execution_id, row.task_id, row.sequence_number, row.message_time, row.message_type, row.message_source_name, row.message);
        }
        await trx.executeQuery(CompiledQuery.raw(insertEventMessagesSql(size), parameters));
      }
    }
  }

  claimTasks = claimTasksSqlite;

  async destroy(): Promise<void> {
    await this.db.destroy();
  }
}
