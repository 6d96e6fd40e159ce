import {
  RawNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { Catalog } from '../../functions/catalog/catalog.js';
import type { CatalogEngine } from '../../functions/catalog/engine.js';

/**
 * A Kysely plugin that keeps the operation node of every query built with the query builder while a catalog
 * operation runs. Raw `sql` statements (RawNode) are left out: they are the engine's hand-written ones, checked
 * on their own.
 */
export class QueryRecorder implements KyselyPlugin {
  readonly nodes: RootOperationNode[] = [];
  #recording = 0;

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (this.#recording > 0 && !RawNode.is(node)) this.nodes.push(node);
    return node;
  }

  transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(result);
  }

  /** The catalog, recording while each of its operations runs (scenarios call them one at a time). */
  recordingCatalog(catalog: Catalog): Catalog {
    return new Proxy(catalog, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => this.#during(() => Promise.resolve(value.apply(target, args)));
      },
    });
  }

  /**
   * Leaves out what `engine` runs through its own methods: those statements differ by engine by design, and the
   * SQL Server ones are checked with the SQL Server engine itself.
   */
  skipEngineOwnStatements(engine: CatalogEngine): void {
    const insertEventMessages = engine.insertEventMessagesIgnoringDuplicates.bind(engine);
    engine.insertEventMessagesIgnoringDuplicates = (trx, rows) => this.#paused(() => insertEventMessages(trx, rows));
  }

  async #during<T>(work: () => Promise<T>): Promise<T> {
    this.#recording++;
    try {
      return await work();
    } finally {
      this.#recording--;
    }
  }

  async #paused<T>(work: () => Promise<T>): Promise<T> {
    const recording = this.#recording;
    this.#recording = 0;
    try {
      return await work();
    } finally {
      this.#recording = recording;
    }
  }
}
