import {
  FetchNode,
  OffsetNode,
  OperationNodeTransformer,
  OutputNode,
  ReferenceNode,
  SelectionNode,
  TableNode,
  TopNode,
  ValueNode,
  type DeleteQueryNode,
  type InsertQueryNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type ReturningNode,
  type RootOperationNode,
  type SelectQueryNode,
  type UnknownRow,
  type UpdateQueryNode,
} from 'kysely';

/**
 * Lets the catalog's shared queries use the two builder calls SQLite and PostgreSQL spell one way and SQL Server
 * another, so that no query has to be written twice:
 * - `.limit(n)` becomes `TOP (n)`, and `.limit(n).offset(m)` becomes `OFFSET m ROWS FETCH NEXT n ROWS ONLY`
 *   (SQL Server pages only an ordered select, so an offset without `orderBy` is an error here, not at run time);
 * - `.returning(cols)` becomes `OUTPUT inserted.cols` (`deleted.cols` for a delete).
 * The MSSQL engine installs it, and the tests compile every statement the catalog runs through it.
 */
export class MssqlCompatibilityPlugin implements KyselyPlugin {
  readonly #transformer = new MssqlCompatibilityTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

class MssqlCompatibilityTransformer extends OperationNodeTransformer {
  protected override transformSelectQuery(node: SelectQueryNode): SelectQueryNode {
    const inner = super.transformSelectQuery(node);
    if (inner.offset && !inner.orderBy) {
      throw new Error('SQL Server pages only ordered selects: add orderBy before limit/offset');
    }
    if (!inner.limit) return inner;
    const { limit, ...rest } = inner;
    const rowCount = literal(limit.limit, 'limit');
    if (!inner.offset) return { ...rest, top: TopNode.create(rowCount) };
    return { ...rest, offset: OffsetNode.create(inner.offset.offset), fetch: FetchNode.create(rowCount, 'only') };
  }

  protected override transformInsertQuery(node: InsertQueryNode): InsertQueryNode {
    return withOutput(super.transformInsertQuery(node), 'inserted');
  }

  protected override transformUpdateQuery(node: UpdateQueryNode): UpdateQueryNode {
    return withOutput(super.transformUpdateQuery(node), 'inserted');
  }

  protected override transformDeleteQuery(node: DeleteQueryNode): DeleteQueryNode {
    return withOutput(super.transformDeleteQuery(node), 'deleted');
  }
}

function literal(node: OperationNode, what: string): number {
  if (ValueNode.is(node) && typeof node.value === 'number') return node.value;
  throw new Error(`SQL Server needs a literal number for ${what}`);
}

function withOutput<N extends { returning?: ReturningNode; output?: OutputNode }>(node: N, pseudoTable: string): N {
  if (!node.returning) return node;
  const { returning, ...rest } = node;
  const table = TableNode.create(pseudoTable);
  const selections = returning.selections.map((selection) => {
    const ref = selection.selection;
    if (ReferenceNode.is(ref)) return SelectionNode.create(ReferenceNode.create(ref.column as never, table));
    throw new Error('returning() on SQL Server takes column names only');
  });
  return { ...rest, output: OutputNode.create(selections) } as unknown as N;
}
