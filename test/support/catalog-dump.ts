import BetterSqlite3 from 'better-sqlite3';

/**
 * Every row of every table of a SQLite catalog, read through a separate read-only connection (WAL lets it read
 * while the master writes). Tests compare two dumps to prove a refused request changed nothing.
 *
 * `api_keys.last_used_time` is left out: authenticating a key legitimately records its use (at most once a
 * minute), whatever the request then turns out to be.
 */
export function dumpCatalog(path: string): Record<string, unknown[]> {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    const dump: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all() as Record<string, unknown>[];
      dump[name] = name === 'api_keys' ? rows.map(({ last_used_time: _lastUsed, ...row }) => row) : rows;
    }
    return dump;
  } finally {
    db.close();
  }
}
