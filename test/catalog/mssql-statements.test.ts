import { createQueryId, MssqlQueryCompiler, type RootOperationNode } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { ledgerTableBatch, mssqlMigrations } from '../../functions/catalog/mssql/migrate.js';
import { mssqlPlugins } from '../../functions/catalog/mssql/engine.js';
import { sqliteHarness } from '../support/catalog-harness.js';
import { describeMssqlSchema } from '../support/mssql-schema.js';
import { QueryRecorder } from '../support/query-recorder.js';
import { checkTsqlSyntax, tablesNamed } from '../support/tsql-syntax.js';
import { catalogContract } from './contract/index.js';

/**
 * No SQL Server runs here, so every statement the catalog builds with Kysely is checked offline: the whole
 * contract suite is replayed on SQLite while a plugin records each query's operation node; each node is then
 * compiled as the MSSQL engine would send it (its plugins, then MssqlDialect's compiler). The engine's own
 * statements (the claim, the event-message insert, migrations) are checked in mssql/engine-statements.test.ts.
 */

/** Compiles a recorded query as the MSSQL engine would send it. */
function compileForMssql(node: RootOperationNode): string {
  const queryId = createQueryId();
  const transformed = mssqlPlugins().reduce((current, plugin) => plugin.transformQuery({ node: current, queryId }), node);
  return new MssqlQueryCompiler().compileQuery(transformed, queryId).sql;
}

let statements: string[];

beforeAll(async () => {
  const recorder = new QueryRecorder();
  for (const scenarios of Object.values(catalogContract)) {
    for (const scenario of Object.values(scenarios)) {
      const h = await sqliteHarness({ plugins: [recorder] });
      recorder.skipEngineOwnStatements(h.engine);
      try {
        await scenario({ ...h, catalog: recorder.recordingCatalog(h.catalog) });
      } finally {
        await h.dispose();
      }
    }
  }
  statements = [...new Set(recorder.nodes.map(compileForMssql))].sort();
});

describe('every statement the catalog builds, compiled for SQL Server', () => {
  it('is the committed list: a new or changed statement shows in review', async () => {
    expect(statements.length).toBeGreaterThan(50);
    await expect(`${statements.map((statement) => `${statement};`).join('\n')}\n`).toMatchFileSnapshot(
      './__snapshots__/mssql-statements.sql',
    );
  });

  it('keeps no SQLite-only spelling', () => {
    // Outside quoted names, so that a column called `limit` would not count.
    const spelled = statements.filter((statement) =>
      /\blimit\b|\breturning\b|\binsert or ignore\b/i.test(statement.replace(/"(?:[^"]|"")*"/g, '""')),
    );
    expect(spelled).toEqual([]);
  });

  it('parses with node-sql-parser, needing stand-ins only for OFFSET/FETCH parameters and OUTPUT', () => {
    const gaps = new Map<string, number>();
    let parsedAsIs = 0;
    for (const statement of statements) {
      const needed = checkTsqlSyntax(statement);
      if (needed.length === 0) parsedAsIs++;
      for (const gap of needed) gaps.set(gap, (gaps.get(gap) ?? 0) + 1);
    }
    expect([...gaps.keys()].sort()).toEqual(['offset-fetch-parameters', 'output-clause']);
    // Most statements parse exactly as SQL Server receives them.
    expect(parsedAsIs / statements.length).toBeGreaterThan(0.85);
  });

  it('names only tables of the SQL Server schema', () => {
    const schema = describeMssqlSchema([ledgerTableBatch, ...mssqlMigrations.flatMap((migration) => migration.batches)]);
    const known = new Set(Object.keys(schema.tables).map((table) => `dbo.${table}`));
    const named = new Set(statements.flatMap(tablesNamed));
    expect([...named].filter((table) => !known.has(table))).toEqual([]);
    // The parser did read them: nearly every table is named by some statement.
    expect(named.size).toBeGreaterThanOrEqual(known.size - 1);
  });
});
