import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkTsqlSyntax } from '../support/tsql-syntax.js';

const script = readFileSync(new URL('../../infra/scripts/create-catalog-users.ps1', import.meta.url), 'utf8');

/** The T-SQL batches the deployment script sends: its single-quoted here-strings, by variable name. */
function batches(): Map<string, string> {
  return new Map([...script.matchAll(/^\$(\w+) = @'\n([\s\S]*?)\n'@$/gm)].map((m) => [m[1]!, m[2]!]));
}

/**
 * A batch's statements, one at a time, as node-sql-parser can read them: its grammar has no IF … BEGIN … END, so
 * an `IF <condition>` line opening a block is checked as `SELECT CASE WHEN <condition> THEN 1 END`, BEGIN and END
 * are dropped, and every other statement (up to its `;`) is checked as SQL Server receives it.
 */
function statements(batch: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of batch.split('\n')) {
    const opener = /^\s*IF (.+)$/.exec(line);
    if (opener && !/;\s*$/.test(line)) out.push(`SELECT CASE WHEN ${opener[1]} THEN 1 END`);
    else if (/^\s*(BEGIN|END)\s*$/.test(line)) continue;
    else {
      current += `${line}\n`;
      if (/;\s*$/.test(line)) {
        out.push(current.trim());
        current = '';
      }
    }
  }
  expect(current.trim(), 'a statement without its ;').toBe('');
  return out;
}

describe('the deployment script that creates the catalog users', () => {
  it('sends T-SQL that parses, statement by statement', () => {
    const sent = batches();
    expect([...sent.keys()].sort()).toEqual(['addToRole', 'ensureCatalogSchema', 'ensureUser']);
    for (const [name, batch] of sent) {
      for (const statement of statements(batch)) {
        expect(() => checkTsqlSyntax(statement), `${name}: ${statement}`).not.toThrow();
      }
    }
  });

  it('creates [catalog] owned by dbo, or hands an earlier owner’s schema over, before any user', () => {
    const schema = batches().get('ensureCatalogSchema')!;
    expect(schema).toContain("EXEC (N'CREATE SCHEMA [catalog] AUTHORIZATION [dbo]')");
    expect(schema).toContain("EXEC (N'ALTER AUTHORIZATION ON SCHEMA::[catalog] TO [dbo]')");
    expect(script.indexOf('$ensureCatalogSchema @{}')).toBeLessThan(script.indexOf('Grant-CatalogUser $connection $transaction $env:APP_USER_NAME'));
  });

  it('looks only at Entra users and groups, and runs in one transaction', () => {
    const user = batches().get('ensureUser')!;
    const lookups = [...user.matchAll(/FROM sys\.database_principals WHERE .*$/gm)].map((m) => m[0]);
    expect(lookups).toHaveLength(2);
    for (const lookup of lookups) expect(lookup).toContain("type IN ('E', 'X')");
    expect(script).toContain('$transaction = $connection.BeginTransaction()');
    expect(script).toContain('$command.Transaction = $transaction');
    expect(script.indexOf('$transaction.Commit()')).toBeGreaterThan(script.lastIndexOf('Grant-CatalogUser $connection $transaction'));
  });
});
