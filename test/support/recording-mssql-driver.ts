import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, TransactionSettings } from 'kysely';

/** What the driver was asked to do, in order. */
export type SentCommand =
  | { kind: 'query'; sql: string; parameters: readonly unknown[] }
  | { kind: 'begin'; isolationLevel: string | undefined }
  | { kind: 'commit' }
  | { kind: 'rollback' };

/** Answers a query; may throw to simulate a failure. */
export type Responder = (query: CompiledQuery) => Partial<QueryResult<unknown>>;

/**
 * A Kysely driver that sends nothing anywhere: it records every query and transaction command, and answers
 * queries with canned results. With MssqlDialect's adapter and compiler it shows exactly what the MSSQL engine
 * would send to SQL Server.
 */
export class RecordingMssqlDriver implements Driver {
  readonly sent: SentCommand[] = [];
  /** Set to make the next commit fail with this error (once). */
  failNextCommit: unknown = undefined;

  constructor(private readonly respond: Responder = () => ({})) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        this.sent.push({ kind: 'query', sql: query.sql, parameters: query.parameters });
        return { rows: [], ...this.respond(query) } as QueryResult<R>;
      },
      streamQuery: () => {
        throw new Error('the catalog never streams');
      },
    };
  }

  async beginTransaction(_connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    this.sent.push({ kind: 'begin', isolationLevel: settings.isolationLevel });
  }

  async commitTransaction(): Promise<void> {
    if (this.failNextCommit !== undefined) {
      const error = this.failNextCommit;
      this.failNextCommit = undefined;
      throw error;
    }
    this.sent.push({ kind: 'commit' });
  }

  async rollbackTransaction(): Promise<void> {
    this.sent.push({ kind: 'rollback' });
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {}
}
