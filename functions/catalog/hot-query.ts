import { createQueryId, type Compilable, type CompiledQuery, type QueryResult } from 'kysely';
import type { CatalogDb, CatalogTrx } from './engine.js';

type Db = CatalogDb | CatalogTrx;

/** Stands for a named value while a hot query is built; never sent to a database. */
class StandIn {
  constructor(readonly name: string) {}
}

interface Prepared<R> {
  query: CompiledQuery<R>;
  /** For each parameter of the compiled query: the name of the value it takes, or undefined for a constant. */
  names: (string | undefined)[];
}

/**
 * A statement the dispatch path runs for every task, built and compiled by Kysely once instead of on every run:
 * building and compiling a query costs Kysely 30–90 µs, about what SQLite takes to run it.
 *
 * `build` is called once, at the first run, with a stand-in for each value named in that run's `values`; every
 * value must be used as one value of the query (a comparison's operand, a set or insert value): not as a list
 * (`in`: a syntax error at the first run), a limit, or anything Kysely looks at while building. A value the
 * compiled query does not take as a parameter is an error at that first run. Later runs give the same names.
 * The compiled query is kept per database adapter, i.e. per Kysely instance (dialect and plugins), which its
 * transactions share.
 */
export function hotQuery<V extends Record<string, unknown>, R>(
  build: (db: Db, values: V) => Compilable<R>,
): (db: Db, values: V) => Promise<QueryResult<R>> {
  const prepared = new WeakMap<object, Prepared<R>>();
  return async (db, values) => {
    const adapter = db.getExecutor().adapter;
    let entry = prepared.get(adapter);
    if (!entry) {
      entry = prepare(build, db, Object.keys(values));
      prepared.set(adapter, entry);
    }
    const { query, names } = entry;
    const parameters = query.parameters.map((constant, i) => {
      const name = names[i];
      return name === undefined ? constant : values[name];
    });
    return await db.executeQuery<R>({ ...query, queryId: createQueryId(), parameters });
  };
}

function prepare<V extends Record<string, unknown>, R>(build: (db: Db, values: V) => Compilable<R>, db: Db, keys: string[]): Prepared<R> {
  const standIns = Object.fromEntries(keys.map((key) => [key, new StandIn(key)]));
  const query = build(db, standIns as V).compile();
  const names = query.parameters.map((parameter) => (parameter instanceof StandIn ? parameter.name : undefined));
  const unused = keys.filter((key) => !names.includes(key));
  if (unused.length > 0) throw new Error(`hot query: ${unused.join(', ')} not taken as a parameter of: ${query.sql}`);
  return { query, names };
}
