import nodeSqlParser from 'node-sql-parser';

const parser = new nodeSqlParser.Parser();
const transactsql = { database: 'transactsql' };

/**
 * A T-SQL construct SQL Server accepts but node-sql-parser's `transactsql` grammar cannot read. A statement that
 * holds one is checked through a stand-in: the same statement with that construct replaced by one the parser
 * reads, so that everything around it is still checked. The construct itself is left to a real SQL Server (see
 * the README, "What only a real SQL Server verifies").
 */
export interface ParserGap {
  name: string;
  why: string;
  shape: RegExp;
  standIn: (statement: string) => string;
}

/** Every gap the catalog's statements run into. Order matters: each stand-in applies to the previous one's result. */
export const parserGaps: readonly ParserGap[] = [
  {
    name: 'offset-fetch-parameters',
    why: 'the grammar takes only literal numbers in OFFSET … ROWS FETCH NEXT … ROWS ONLY; SQL Server takes parameters',
    shape: /offset @\d+ rows fetch next @\d+ rows only/gi,
    standIn: (statement) => statement.replace(/offset @\d+ rows fetch next @\d+ rows only/gi, 'offset 0 rows fetch next 1 rows only'),
  },
  {
    name: 'top-variable',
    why: 'the grammar takes only a literal number in TOP (…); SQL Server takes a variable',
    shape: /top \(@\w+\)/gi,
    standIn: (statement) => statement.replace(/top \(@\w+\)/gi, 'top (1)'),
  },
  {
    name: 'output-clause',
    why: 'the grammar has no OUTPUT clause (inserted./deleted. columns returned by INSERT, UPDATE, DELETE)',
    shape: /\s+output\s+\[?(?:inserted|deleted)\]?\./gi,
    standIn: (statement) =>
      statement.replace(/\s+output\s+\[?(?:inserted|deleted)\]?\.\[?\w+\]?(?:\s*,\s*\[?(?:inserted|deleted)\]?\.\[?\w+\]?)*/gi, ''),
  },
  {
    name: 'set-variable',
    why: 'the grammar has no SET @variable = expression; SELECT @variable = expression is read instead',
    shape: /^\s*set @\w+\s*=/gim,
    standIn: (statement) => statement.replace(/^(\s*)set (@\w+\s*=)/gim, '$1SELECT $2'),
  },
  {
    name: 'exec-return-status',
    why: 'the grammar has no EXEC @status = procedure; the call is read without keeping the status',
    shape: /exec @\w+ = /gi,
    standIn: (statement) => statement.replace(/exec @\w+ = /gi, 'EXEC '),
  },
  {
    name: 'named-column-constraint',
    why: 'the grammar names only CHECK and table-level constraints, not a column’s CONSTRAINT name PRIMARY KEY / DEFAULT / UNIQUE / REFERENCES',
    shape: /(?<=\S )constraint \w+ (?=primary key|default|unique|references)/gi,
    standIn: (statement) => statement.replace(/(?<=\S )constraint \w+ (?=primary key|default|unique|references)/gi, ''),
  },
  {
    name: 'column-foreign-key',
    why: 'the grammar has no column-level REFERENCES table (column) [ON DELETE CASCADE]',
    shape: / references [\w.]+ \(\w+\)/gi,
    standIn: (statement) => statement.replace(/ references [\w.]+ \(\w+\)(?: on delete cascade)?/gi, ''),
  },
  {
    name: 'readcommittedlock-hint',
    why: 'the grammar’s table hints lack READCOMMITTEDLOCK; READCOMMITTED stands in for it (lockingReads maps it back)',
    shape: /\breadcommittedlock\b/gi,
    standIn: (statement) => statement.replace(/\breadcommittedlock\b/gi, 'READCOMMITTED'),
  },
  {
    name: 'view-select-list',
    why: 'the grammar reads CREATE VIEW … AS SELECT only with a single selected column; the view’s SELECT is read alone',
    shape: /^\s*create view [\w.[\]]+ as\s+/i,
    standIn: (statement) => statement.replace(/^\s*create view [\w.[\]]+ as\s+/i, ''),
  },
];

/**
 * Kysely quotes names with double quotes (ANSI, as SQL Server reads them with QUOTED_IDENTIFIER ON, tedious's
 * default); the grammar reads those as strings. Brackets mean the same to SQL Server and to the grammar.
 */
export function bracketIdentifiers(statement: string): string {
  return statement.replace(/'(?:[^']|'')*'|"((?:[^"]|"")*)"/g, (match, name: string | undefined) =>
    name === undefined ? match : `[${name.replace(/""/g, '"')}]`,
  );
}

function parseError(statement: string): Error | undefined {
  try {
    parser.astify(statement, transactsql);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Checks a statement (or a batch) with node-sql-parser's `transactsql` grammar. Returns the names of the gaps
 * it needed (none when it parses as it is); throws when it parses neither as it is nor through the stand-ins of
 * the gaps it shows.
 */
export function checkTsqlSyntax(statement: string): string[] {
  const text = bracketIdentifiers(statement);
  const error = parseError(text);
  if (!error) return [];
  const used = parserGaps.filter((gap) => text.search(gap.shape) >= 0);
  const standIn = used.reduce((current, gap) => gap.standIn(current), text);
  const standInError = parseError(standIn);
  if (used.length === 0 || standInError) {
    throw new Error(
      `node-sql-parser cannot read this statement${used.length > 0 ? ` even with stand-ins for ${used.map((gap) => gap.name).join(', ')}` : ', and it shows no known gap'}: ${(standInError ?? error).message}\n${standIn}`,
    );
  }
  return used.map((gap) => gap.name);
}

/** The tables a statement reads or writes, as `schema.table` (`dbo` when none is named), by the grammar. */
export function tablesNamed(statement: string): string[] {
  const standIn = parserGaps.reduce((current, gap) => gap.standIn(current), bracketIdentifiers(statement));
  return parser
    .tableList(standIn, transactsql)
    .map((entry) => entry.split('::'))
    .map(([, schema, table]) => `${schema === 'null' || !schema ? 'dbo' : schema}.${table}`);
}

/** A table a statement reads, with the table hints it gives (upper case, as written). */
export interface TableRead {
  table: string;
  hints: string[];
}

/** One statement of a batch: its kind, the tables it reads (subqueries and CTEs included), its aggregates. */
export interface StatementReads {
  type: string;
  tables: TableRead[];
  aggregates: string[];
}

/**
 * The tables each statement of a batch reads, and with which hints, from the grammar's syntax tree (through the
 * stand-ins). READCOMMITTED in the stand-in is READCOMMITTEDLOCK in the statement: a statement that gives
 * READCOMMITTED itself is refused, so the two can never be mistaken for each other.
 */
export function statementReads(batch: string): StatementReads[] {
  if (/\breadcommitted\b/i.test(batch)) throw new Error('statementReads cannot tell READCOMMITTED from its stand-in');
  const standIn = parserGaps.reduce((current, gap) => gap.standIn(current), bracketIdentifiers(batch));
  const ast = parser.astify(standIn, transactsql);
  return (Array.isArray(ast) ? ast : [ast]).map((statement) => {
    const reads: StatementReads = { type: String(statement.type), tables: [], aggregates: [] };
    collectReads(statement, reads);
    return reads;
  });
}

function collectReads(node: unknown, reads: StatementReads): void {
  if (Array.isArray(node)) {
    for (const item of node) collectReads(item, reads);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (typeof record.table === 'string' && 'table_hint' in record) {
    const hint = record.table_hint as { expr?: { expr?: { value?: unknown } }[] } | null;
    reads.tables.push({
      table: `${typeof record.db === 'string' && record.db ? record.db : 'dbo'}.${record.table}`,
      hints: (hint?.expr ?? []).map((item) => {
        const value = String(item.expr?.value).toUpperCase();
        return value === 'READCOMMITTED' ? 'READCOMMITTEDLOCK' : value;
      }),
    });
  }
  if (record.type === 'aggr_func' && typeof record.name === 'string') reads.aggregates.push(record.name.toUpperCase());
  for (const value of Object.values(record)) collectReads(value, reads);
}
