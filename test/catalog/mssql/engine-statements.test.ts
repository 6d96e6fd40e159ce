import type { CompiledQuery } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommitOutcomeUnknownError } from '../../../functions/catalog/errors.js';
import { MssqlEngine } from '../../../functions/catalog/mssql/engine.js';
import { mssqlMigrations } from '../../../functions/catalog/mssql/migrate.js';
import { mssqlKysely } from '../../support/mssql-compiler.js';
import { RecordingMssqlDriver, type Responder, type SentCommand } from '../../support/recording-mssql-driver.js';

/**
 * The MSSQL engine's own paths, run offline: the engine over MssqlDialect's adapter and compiler, its plugins,
 * and a driver that records what would be sent to SQL Server and answers with canned rows. The committed
 * snapshot shows every command; migration batches appear by reference (their full text is snapshotted in
 * hand-written-statements.test.ts) and are compared with the migrations here.
 */

const migrationBatches = new Map(
  mssqlMigrations.flatMap((migration) =>
    migration.batches.map((batch, index) => [batch, `migration ${migration.version} (${migration.name}), batch ${index + 1}`] as const),
  ),
);

function render(sent: readonly SentCommand[]): string {
  return sent
    .map((command) => {
      switch (command.kind) {
        case 'begin':
          return `BEGIN TRANSACTION (${command.isolationLevel ?? 'default isolation'})`;
        case 'commit':
          return 'COMMIT';
        case 'rollback':
          return 'ROLLBACK';
        case 'query': {
          const batch = migrationBatches.get(command.sql);
          if (batch) return `-- ${batch}`;
          const parameters = command.parameters.length > 0 ? `\n-- parameters: ${JSON.stringify(command.parameters)}` : '';
          return `${command.sql.trim()}${parameters}`;
        }
      }
    })
    .join('\n');
}

const noSleep = { sleep: async () => undefined, random: () => 0 };

function recordingEngine(respond?: Responder) {
  const driver = new RecordingMssqlDriver(respond);
  return { driver, engine: new MssqlEngine(mssqlKysely(driver), noSleep) };
}

const sections: string[] = [];

function snapshotSection(title: string, sent: readonly SentCommand[]): void {
  sections.push(`-- ===== ${title}\n${render(sent)}`);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.UTC(2026, 10, 22, 9, 0, 0));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('MSSQL engine, offline', () => {
  it('runs a transaction in READ COMMITTED, and rolls it back when the work throws', async () => {
    const { driver, engine } = recordingEngine();
    expect(await engine.transaction(async (trx) => (await trx.selectFrom('folders').select('folder_id').execute()).length)).toBe(0);
    await expect(
      engine.transaction(async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    snapshotSection('transaction: committed, then rolled back', driver.sent);
    expect(driver.sent.map((command) => command.kind)).toEqual(['begin', 'query', 'commit', 'begin', 'rollback']);
  });

  it('runs a whole transaction again after a deadlock', async () => {
    const { driver, engine } = recordingEngine();
    driver.failNextCommit = Object.assign(new Error('deadlock victim'), { number: 1205 });
    await engine.transaction((trx) => trx.updateTable('api_keys').set({ last_used_time: 1 }).where('api_key_id', '=', 'k').execute());
    snapshotSection('transaction: a deadlock at commit, retried', driver.sent);
    expect(driver.sent.map((command) => command.kind)).toEqual(['begin', 'query', 'rollback', 'begin', 'query', 'commit']);
  });

  it('does not run a transaction again when the connection fails at COMMIT: the outcome is unknown', async () => {
    const { driver, engine } = recordingEngine();
    driver.failNextCommit = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const write = engine.transaction((trx) => trx.updateTable('api_keys').set({ last_used_time: 1 }).where('api_key_id', '=', 'k').execute());
    await expect(write).rejects.toThrow(CommitOutcomeUnknownError);
    await expect(write).rejects.toThrow(/during the commit, so whether it was done is unknown: socket hang up/);
    expect(driver.sent.map((command) => command.kind)).toEqual(['begin', 'query', 'rollback']);
  });

  it('runs a transaction again when the connection fails before COMMIT: it was rolled back', async () => {
    let failed = false;
    const { driver, engine } = recordingEngine(() => {
      if (failed) return {};
      failed = true;
      throw Object.assign(new Error('connection lost'), { code: 'ESOCKET' });
    });
    await engine.transaction((trx) => trx.updateTable('api_keys').set({ last_used_time: 1 }).where('api_key_id', '=', 'k').execute());
    expect(driver.sent.map((command) => command.kind)).toEqual(['begin', 'query', 'rollback', 'begin', 'query', 'commit']);
  });

  it('claims with its hand-written statement, and reads the ids tedious returns as strings as numbers', async () => {
    const { driver, engine } = recordingEngine(() => ({
      rows: [{ task_id: '7', execution_id: '3', attempt_number: '2' }],
    }));
    const claimed = await engine.transaction((trx) =>
      engine.claimTasks(trx, { workerAgentId: 'worker-1', slots: 4, claimId: 'claim-0001', now: 1_000, leaseDeadline: 21_000 }),
    );
    expect(claimed).toEqual([{ task_id: 7, execution_id: 3, attempt_number: 2 }]);
    snapshotSection('claimTasks', driver.sent);
    const [, claim] = driver.sent;
    expect(claim).toMatchObject({ kind: 'query', parameters: ['worker-1', 1_000, 21_000, 4, 'claim-0001'] });
  });

  it('inserts event messages with a plain INSERT (the unique index ignores duplicates), 250 rows at most a statement', async () => {
    const { driver, engine } = recordingEngine();
    const row = (sequence: number) => ({
      execution_id: 3,
      task_id: 7,
      sequence_number: sequence,
      message_time: 1_000,
      message_type: 70,
      message_source_name: 'stdout',
      message: `line ${sequence}`,
    });
    await engine.transaction((trx) => engine.insertEventMessagesIgnoringDuplicates(trx, [row(1), row(2)]));
    snapshotSection('insertEventMessagesIgnoringDuplicates', driver.sent);

    const { driver: many, engine: manyEngine } = recordingEngine();
    await manyEngine.transaction((trx) =>
      manyEngine.insertEventMessagesIgnoringDuplicates(trx, Array.from({ length: 501 }, (_, i) => row(i + 1))),
    );
    const inserts = many.sent.filter((command) => command.kind === 'query');
    expect(inserts.map((command) => command.parameters.length / 7)).toEqual([250, 250, 1]);
    // SQL Server takes at most 2100 parameters a request.
    for (const insert of inserts) expect(insert.parameters.length).toBeLessThanOrEqual(2100);
  });

  it('migrates a new database under an application lock: the ledger, every batch in order, a ledger row each', async () => {
    const { driver, engine } = recordingEngine((query: CompiledQuery) =>
      /sp_getapplock/.test(query.sql) ? { rows: [{ result: 0 }] } : {},
    );
    await engine.migrate();
    snapshotSection('migrate: a new database', driver.sent);
    const sentBatches = driver.sent.flatMap((command) =>
      command.kind === 'query' && migrationBatches.has(command.sql) ? [command.sql] : [],
    );
    expect(sentBatches).toEqual(mssqlMigrations.flatMap((migration) => migration.batches));
    expect(driver.sent.at(-1)).toEqual({ kind: 'commit' });
  });

  it('migrates nothing when the ledger has every migration', async () => {
    const { driver, engine } = recordingEngine((query: CompiledQuery) => {
      if (/sp_getapplock/.test(query.sql)) return { rows: [{ result: 1 }] };
      if (/from "schema_migrations"/.test(query.sql)) return { rows: mssqlMigrations.map((m) => ({ version: m.version })) };
      return {};
    });
    await engine.migrate();
    snapshotSection('migrate: an up-to-date database', driver.sent);
    expect(driver.sent.filter((command) => command.kind === 'query')).toHaveLength(3);
  });

  it('refuses to migrate without the lock, and rolls back', async () => {
    const { driver, engine } = recordingEngine(() => ({ rows: [{ result: -1 }] }));
    await expect(engine.migrate()).rejects.toThrow(/could not take the migration lock \(sp_getapplock returned -1\)/);
    expect(driver.sent.map((command) => command.kind)).toEqual(['begin', 'query', 'rollback']);
  });

  it('sends what the committed snapshot shows', async () => {
    await expect(`${sections.join('\n\n')}\n`).toMatchFileSnapshot('./__snapshots__/engine-statements.sql');
  });
});
