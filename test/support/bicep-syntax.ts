import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Language, type Node, Parser, type Tree } from 'web-tree-sitter';

/**
 * Bicep read through its syntax tree (tree-sitter-bicep's grammar compiled to WebAssembly), because the Bicep CLI
 * cannot run here. These helpers answer the structural questions the infra tests ask, never by regex on raw text.
 */

let parser: Promise<Parser> | undefined;

function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-bicep/tree-sitter-bicep.wasm');
    const p = new Parser();
    p.setLanguage(await Language.load(wasm));
    return p;
  })();
  return parser;
}

export async function parseBicep(source: string): Promise<Tree> {
  const tree = (await bicepParser()).parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** Every .bicep file under `folder`, recursively. */
export function bicepFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.bicep'))
    .map((file) => join(folder, file))
    .sort();
}

export interface SyntaxProblem {
  kind: 'ERROR' | 'MISSING';
  /** 1-based. */
  line: number;
  column: number;
  text: string;
}

/** Every ERROR and MISSING node of the tree: the places the grammar could not make sense of. */
export function syntaxProblems(tree: Tree): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      problems.push({
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        text: node.isMissing ? node.type : node.text.slice(0, 80),
      });
    }
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}

/** The value of a string literal, or undefined when the node is not a plain string (e.g. it interpolates). */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (node?.type !== 'string') return undefined;
  let value = '';
  for (const part of node.namedChildren) {
    if (part.type === 'string_content' || part.type === 'multiline_string_content') value += part.text;
    else if (part.type === 'escape_sequence') value += part.text.slice(1);
    else return undefined;
  }
  return value;
}

/** The key of an object property as written: an identifier or a quoted string. */
export function propertyKey(property: Node): string | undefined {
  const key = property.namedChildren[0];
  return key?.type === 'string' ? stringValue(key) : key?.text;
}

/** The value node of `object`'s property `key`, if the object has it. */
export function propertyValue(object: Node, key: string): Node | undefined {
  for (const property of object.namedChildren) {
    if (property.type === 'object_property' && propertyKey(property) === key) return property.namedChildren[1];
  }
  return undefined;
}

export interface BicepResource {
  symbol: string;
  /** The full type without the API version, e.g. `Microsoft.Web/sites/config` for a nested `'config'`. */
  type: string;
  existing: boolean;
  /** The resource's body; undefined only for a loop whose body is not an object literal. */
  body: Node | undefined;
}

/** Every resource declaration in the file, nested ones included, with its type resolved against its parents. */
export function bicepResources(tree: Tree): BicepResource[] {
  const resources: BicepResource[] = [];
  const visit = (node: Node, parentType: string | undefined): void => {
    if (node.type === 'resource_declaration') {
      const written = stringValue(node.namedChildren[1]) ?? '';
      const bare = written.split('@')[0] ?? '';
      const type = parentType && !bare.includes('.') ? `${parentType}/${bare}` : bare;
      const body = resourceBody(node);
      resources.push({
        symbol: node.namedChildren[0]?.text ?? '',
        type,
        existing: node.children.some((child) => child.type === 'existing'),
        body,
      });
      if (body) for (const child of body.namedChildren) visit(child, type);
      return;
    }
    for (const child of node.namedChildren) visit(child, parentType);
  };
  visit(tree.rootNode, undefined);
  return resources;
}

function resourceBody(declaration: Node): Node | undefined {
  const value = declaration.namedChildren.at(-1);
  if (value?.type === 'object') return value;
  if (value?.type === 'if_statement') return value.namedChildren.find((child) => child.type === 'object');
  if (value?.type === 'for_statement') {
    const body = value.childForFieldName('body');
    if (body?.type === 'object') return body;
    if (body?.type === 'if_statement') return body.namedChildren.find((child) => child.type === 'object');
  }
  return undefined;
}

/** Calls of the function `name` anywhere in the subtree, e.g. every `loadTextContent(...)`. */
export function callsOf(root: Node, name: string): Node[] {
  return root
    .descendantsOfType('call_expression')
    .filter((call): call is Node => call !== null && call.childForFieldName('function')?.text === name);
}

/** The arguments of a call expression, as nodes. */
export function callArguments(call: Node): Node[] {
  return call.childForFieldName('arguments')?.namedChildren ?? [];
}
