import { describe, expect, it } from 'vitest';
import { claimTasksMssql } from '../../../functions/catalog/mssql/claim-tasks.js';
import { ledgerTableBatch, migrateMssql, mssqlMigrations } from '../../../functions/catalog/mssql/migrate.js';
import { mssqlKysely } from '../../support/mssql-compiler.js';
import { RecordingMssqlDriver } from '../../support/recording-mssql-driver.js';
import { checkTsqlSyntax, statementReads } from '../../support/tsql-syntax.js';

/**
 * The T-SQL written by hand, which no query builder checks: the task claim, the migration lock, the ledger and
 * every migration batch (the SSISDB-named views included). Each is snapshotted in full, so that a change shows in
 * review, and parsed with node-sql-parser's transactsql grammar as far as it reads T-SQL: the gaps each needs are
 * listed here and in the README ("What only a real SQL Server verifies").
 */

async function claimStatement(): Promise<string> {
  const driver = new RecordingMssqlDriver();
  await mssqlKysely(driver)
    .transaction()
    .execute((trx) => claimTasksMssql(trx, { workerAgentId: 'w', slots: 1, claimId: null, now: 0, leaseDeadline: 0 }));
  const claim = driver.sent.find((command) => command.kind === 'query');
  if (claim?.kind !== 'query') throw new Error('the claim sent nothing');
  return claim.sql;
}

async function migrationLockStatement(): Promise<string> {
  const driver = new RecordingMssqlDriver(() => ({ rows: [{ result: 0 }] }));
  await migrateMssql(mssqlKysely(driver), []);
  const lock = driver.sent.find((command) => command.kind === 'query' && command.sql.includes('sp_getapplock'));
  if (lock?.kind !== 'query') throw new Error('migrate took no lock');
  return lock.sql;
}

describe('hand-written T-SQL', () => {
  it('every migration batch is the committed script (GO between batches, as SSMS runs it)', async () => {
    const script = mssqlMigrations
      .map(
        (migration) =>
          `-- ===== migration ${migration.version}: ${migration.name}\n${migration.batches.map((batch) => `${batch.trim()}\nGO`).join('\n\n')}`,
      )
      .join('\n\n');
    await expect(`${script}\n`).toMatchFileSnapshot('./__snapshots__/migrations.sql');
  });

  it('the claim statement parses, with stand-ins for TOP (@variable), SET @variable, OUTPUT and READCOMMITTEDLOCK', async () => {
    expect(checkTsqlSyntax(await claimStatement())).toEqual(['top-variable', 'output-clause', 'set-variable', 'readcommittedlock-hint']);
  });

  it('the claim counts running tasks with a locking read, in a statement after it locks the worker row', async () => {
    // Under READ_COMMITTED_SNAPSHOT a plain COUNT would read the running set as of before a concurrent claim of the
    // same worker committed, and MaxTaskCount could be exceeded (issue 18).
    const statements = statementReads(await claimStatement());
    const reads = (table: string) =>
      statements.flatMap((statement, index) => statement.tables.filter((read) => read.table === table).map((read) => ({ index, statement, read })));
    const [workerRow, ...otherWorkerReads] = reads('dbo.worker_agents');
    expect(otherWorkerReads).toEqual([]);
    expect(workerRow?.read.hints).toEqual(['UPDLOCK', 'ROWLOCK']);

    const [count, pending, ...otherTaskReads] = reads('dbo.tasks');
    expect(otherTaskReads).toEqual([]);
    expect(count?.statement).toMatchObject({ type: 'select', aggregates: ['COUNT'] });
    expect(count?.read.hints).toEqual(['READCOMMITTEDLOCK']);
    expect(count!.index).toBeGreaterThan(workerRow!.index);

    expect(pending?.statement.type).toBe('update');
    expect(pending?.read.hints).toEqual(['UPDLOCK', 'READPAST', 'ROWLOCK', 'READCOMMITTEDLOCK']);
    expect(pending!.index).toBeGreaterThan(count!.index);
  });

  it('the claim takes the oldest execution first, retries included, in the order of ix_tasks_pending', async () => {
    const claim = await claimStatement();
    expect(claim).toMatch(/ORDER BY t\.queued_time, t\.task_id\n/);
    const index = mssqlMigrations.flatMap((migration) => migration.batches).filter((batch) => batch.includes('INDEX ix_tasks_pending ON'));
    expect(index.at(-1)).toMatch(/ON dbo\.tasks \(queued_time, task_id\)/);
  });

  it('the migration lock parses, with a stand-in for EXEC @status = procedure', async () => {
    expect(checkTsqlSyntax(await migrationLockStatement())).toEqual(['exec-return-status']);
  });

  it('the ledger table parses, with a stand-in for its named column constraint', () => {
    expect(checkTsqlSyntax(ledgerTableBatch)).toEqual(['named-column-constraint']);
  });

  it('every migration batch parses, with stand-ins only for constraint names, column foreign keys and view select lists', () => {
    const gapsByBatch = mssqlMigrations.flatMap((migration) =>
      migration.batches.map((batch) => ({ batch: batch.trim().split('\n')[0], gaps: checkTsqlSyntax(batch) })),
    );
    const gaps = new Set(gapsByBatch.flatMap((entry) => entry.gaps));
    expect([...gaps].sort()).toEqual(['column-foreign-key', 'named-column-constraint', 'view-select-list']);
    // Indexes, the seed rows and the schema parse exactly as SQL Server receives them.
    expect(gapsByBatch.filter((entry) => entry.gaps.length === 0).map((entry) => entry.batch)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CREATE INDEX/), expect.stringMatching(/^INSERT INTO/), "IF SCHEMA_ID(N'catalog') IS NULL EXEC (N'CREATE SCHEMA [catalog] AUTHORIZATION [dbo]');"]),
    );
  });
});
