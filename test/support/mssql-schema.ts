/** The SQL Server catalog schema, as declared by the migration batches. */
export interface MssqlSchema {
  schemas: string[];
  tables: Record<string, MssqlTable>;
  /** Index name → its definition after `ON`. */
  indexes: Record<string, string>;
  /** View name → the names of its columns. */
  views: Record<string, string[]>;
}

export interface MssqlTable {
  /** Column name → `type [identity] null|not null`, in declaration order. */
  columns: Record<string, string>;
  primaryKey: string[];
}

/**
 * Reads the tables, columns, indexes and views that T-SQL batches declare. It knows the statements our
 * migrations use and refuses any other, so a migration of a new kind (an ALTER TABLE, say) makes its author teach
 * it, and the schema snapshot can never silently miss a change. ALTER TABLE … ADD adds columns to a table, DROP INDEX removes one; INSERT and UPDATE change rows, not the schema.
 */
export function describeMssqlSchema(batches: readonly string[]): MssqlSchema {
  const schema: MssqlSchema = { schemas: [], tables: {}, indexes: {}, views: {} };
  for (const batch of batches) {
    const text = batch.trim();
    let match: RegExpMatchArray | null;
    if ((match = /^(?:IF OBJECT_ID\([^)]*\) IS NULL\s+)?CREATE TABLE ([\w.]+) \(([\s\S]*)\);$/i.exec(text))) {
      schema.tables[unqualified(match[1]!)] = describeTable(match[2]!);
    } else if ((match = /^ALTER TABLE ([\w.]+) ADD ([\s\S]*);$/i.exec(text))) {
      const table = schema.tables[unqualified(match[1]!)];
      if (!table) throw new Error(`ALTER TABLE of a table not declared before: ${match[1]}`);
      Object.assign(table.columns, describeTable(match[2]!).columns);
    } else if ((match = /^CREATE (UNIQUE )?INDEX (\w+) ON ([\s\S]*);$/i.exec(text))) {
      schema.indexes[match[2]!] = `${match[1] ?? ''}${oneLine(match[3]!)}`;
    } else if ((match = /^DROP INDEX (\w+) ON [\w.]+;$/i.exec(text))) {
      if (!(match[1]! in schema.indexes)) throw new Error(`DROP INDEX of an index not declared before: ${match[1]}`);
      delete schema.indexes[match[1]!];
    } else if ((match = /^CREATE VIEW ([\w.[\]]+) AS\s+SELECT ([\s\S]*);$/i.exec(text))) {
      schema.views[match[1]!.replace(/[[\]]/g, '')] = splitTopLevel(selectList(match[2]!)).map(viewColumnName);
    } else if ((match = /^IF SCHEMA_ID\(N'(\w+)'\) IS NULL EXEC \(N'CREATE SCHEMA \[\1\] AUTHORIZATION \[dbo\]'\);$/i.exec(text))) {
      schema.schemas.push(match[1]!);
    } else if (!/^(?:INSERT INTO|UPDATE) /i.test(text)) {
      throw new Error(`describeMssqlSchema does not know this statement; teach it:\n${text}`);
    }
  }
  return schema;
}

function describeTable(body: string): MssqlTable {
  const table: MssqlTable = { columns: {}, primaryKey: [] };
  for (const item of splitTopLevel(body)) {
    const key = /^CONSTRAINT \w+ PRIMARY KEY \(([^)]*)\)/i.exec(item);
    if (key) table.primaryKey = key[1]!.split(',').map((name) => name.trim());
    if (/^CONSTRAINT /i.test(item)) continue;
    const column = /^(\w+) (\w+(?:\([^)]*\))?)(.*)$/s.exec(item);
    if (!column) throw new Error(`not a column definition: ${item}`);
    const [, name, type, rest] = column as unknown as [string, string, string, string];
    const identity = /\bIDENTITY\b/i.test(rest) ? ' identity' : '';
    table.columns[name] = `${type.toLowerCase()}${identity} ${/\bNOT NULL\b/i.test(rest) ? 'not null' : 'null'}`;
    if (/\bPRIMARY KEY\b/i.test(rest)) table.primaryKey = [name];
  }
  return table;
}

/** What comes before the select's own FROM (not a subquery's). */
function selectList(text: string): string {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && /^\sFROM\s/i.test(text.slice(i, i + 6))) return text.slice(0, i);
  }
  throw new Error(`no FROM in ${text}`);
}

/** Splits on commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      items.push(oneLine(text.slice(start, i)));
      start = i + 1;
    }
  }
  items.push(oneLine(text.slice(start)));
  return items;
}

/** `x AS Name` → `Name`; `t.column` → `column`. */
function viewColumnName(item: string): string {
  const alias = /\bAS (\w+)$/i.exec(item);
  return alias ? alias[1]! : item.slice(item.lastIndexOf('.') + 1);
}

function unqualified(name: string): string {
  return name.replace(/^dbo\./i, '');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
