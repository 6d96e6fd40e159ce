import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import * as Tedious from 'tedious';
import {
  Kysely,
  MssqlDialect,
  type Insertable,
  type KyselyConfig,
  type KyselyPlugin,
} from 'kysely';
import type { CatalogEngine, CatalogTrx } from '../engine.js';
import type { CatalogTables, EventMessagesTable } from '../schema.js';
import { claimTasksMssql } from './claim-tasks.js';
import { MssqlCompatibilityPlugin } from './compatibility-plugin.js';
import { tediousConfiguration, type MssqlConnectionSettings } from './connection.js';
import { migrateMssql } from './migrate.js';
import { mssqlPool } from './pool.js';
import { CommitOutcomeUnknownError } from '../errors.js';
import { retryTransient, rolledBackForSure, type RetryOptions } from './transient-errors.js';

export interface MssqlEngineOptions {
  connection: MssqlConnectionSettings;
  /** Connections kept by this process. @default 10 */
  poolMax?: number;
  /** Overrides the credential an Entra login uses (tests, or a credential the host already built). */
  credential?: TokenCredential;
  retry?: RetryOptions;
  log?: KyselyConfig['log'];
}

/**
 * Azure SQL / SQL Server through Kysely's MssqlDialect over tedious and tarn. Nothing connects until the first
 * query: a Flex Consumption instance must finish starting within 30 s and a serverless database may be paused.
 */
export class MssqlEngine implements CatalogEngine {
  readonly kind = 'mssql';

  /** The wakes each open transaction asked for; an attempt that rolled back takes its own with it. */
  readonly #wakes = new WeakMap<CatalogTrx, (() => boolean)[]>();

  /** The engine over a connection pool to the given server; connects on first use. */
  static fromConnection(options: MssqlEngineOptions): MssqlEngine {
    const settings = options.connection;
    const credential = settings.authentication.kind === 'entra' ? (options.credential ?? entraCredential(settings)) : undefined;
    const config = tediousConfiguration(settings, credential);
    const pool = mssqlPool(() => new Tedious.Connection(config), options.poolMax ?? 10);
    const db = new Kysely<CatalogTables>({
      dialect: new MssqlDialect({
        tarn: pool.tarn,
        // The pool checks a connection without a round trip (see pool.ts).
        validateConnections: false,
        tedious: { ...Tedious, connectionFactory: pool.connectionFactory },
      }),
      plugins: mssqlPlugins(),
      ...(options.log ? { log: options.log } : {}),
    });
    return new MssqlEngine(db, options.retry ?? {});
  }

  /** `db` must carry `mssqlPlugins()`. */
  constructor(
    readonly db: Kysely<CatalogTables>,
    private readonly retry: RetryOptions = {},
  ) {}

  async migrate(): Promise<void> {
    await retryTransient(() => migrateMssql(this.db), this.retry);
  }

  /**
   * A transient failure before COMMIT rolled the transaction back: it runs again. One at COMMIT leaves the outcome
   * unknown unless SQL Server said it rolled back (a deadlock victim): running it again could do it twice, so it
   * fails with CommitOutcomeUnknownError instead, for a caller that can find the first outcome to retry.
   */
  async transaction<T>(work: (trx: CatalogTrx) => Promise<T>): Promise<T> {
    let wakes: (() => boolean)[] = [];
    const result = await retryTransient(async () => {
      let committing = false;
      wakes = [];
      try {
        return await this.db
          .transaction()
          .setIsolationLevel('read committed')
          .execute(async (trx) => {
            this.#wakes.set(trx, wakes);
            const result = await work(trx);
            committing = true;
            return result;
          });
      } catch (error) {
        if (committing && !rolledBackForSure(error)) throw new CommitOutcomeUnknownError(error);
        throw error;
      }
    }, this.retry);
    for (const wake of wakes) wake();
    return result;
  }

  /** After the commit: another connection sees nothing sooner. */
  whenVisible(trx: CatalogTrx, wake: () => boolean): void {
    const wakes = this.#wakes.get(trx);
    if (!wakes) throw new Error('whenVisible needs a transaction of this engine');
    wakes.push(wake);
  }

  read<T>(work: (db: Kysely<CatalogTables>) => Promise<T>): Promise<T> {
    return retryTransient(() => work(this.db), this.retry);
  }

  /** SQL Server commits a statement outside a transaction by itself; one whose outcome was lost runs again. */
  autocommit<T>(work: (db: Kysely<CatalogTables>) => Promise<T>): Promise<T> {
    return retryTransient(() => work(this.db), this.retry);
  }

  async insertEventMessagesIgnoringDuplicates(
    trx: CatalogTrx,
    rows: readonly Insertable<EventMessagesTable>[],
  ): Promise<void> {
    // The unique index on (task_id, sequence_number) has IGNORE_DUP_KEY = ON: duplicates are dropped, not errors.
    // 8 parameters a row; SQL Server allows 2100 per request.
    for (let start = 0; start < rows.length; start += 250) {
      await trx
        .insertInto('event_messages')
        .values(rows.slice(start, start + 250))
        .execute();
    }
  }

  claimTasks = claimTasksMssql;

  async destroy(): Promise<void> {
    await this.db.destroy();
  }
}

function entraCredential(settings: MssqlConnectionSettings): TokenCredential {
  const auth = settings.authentication;
  if (auth.kind !== 'entra') throw new Error('not an Entra login');
  if (auth.mode === 'managed-identity') {
    return auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential();
}

/** The plugins every Kysely instance on SQL Server needs for the catalog's shared queries. */
export function mssqlPlugins(): KyselyPlugin[] {
  return [new MssqlCompatibilityPlugin()];
}
