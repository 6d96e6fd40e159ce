import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bicepFiles,
  bicepResources,
  callArguments,
  callsOf,
  parseBicep,
  propertyValue,
  stringValue,
  syntaxProblems,
} from '../support/bicep-syntax.js';

// No Bicep CLI here: the infra is checked through tree-sitter-bicep's syntax tree instead. This proves the files
// parse and hold the project's structural rules; it does not prove Azure accepts them (see the README's
// "Deploy to Azure" for the checks that need a subscription).

const files = bicepFiles('infra');

// Built-in role definition ids (the same in every subscription).
const storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
const storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';
const storageBlobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a';

async function parsed(file: string) {
  return { file, tree: await parseBicep(readFileSync(file, 'utf8')) };
}

describe('infra/ Bicep', () => {
  it('has the entry point and its modules', () => {
    expect(files).toContain(join('infra', 'main.bicep'));
    expect(files.length).toBeGreaterThan(3);
  });

  it.each(files)('%s parses without ERROR or MISSING nodes', async (file) => {
    const { tree } = await parsed(file);
    expect(syntaxProblems(tree)).toEqual([]);
  });

  it.each(files)('%s references only local modules and files that exist', async (file) => {
    const { tree } = await parsed(file);
    const paths = [
      ...tree.rootNode.descendantsOfType('module_declaration').map((module) => stringValue(module?.namedChildren[1])),
      ...['loadTextContent', 'loadJsonContent', 'loadFileAsBase64'].flatMap((fn) =>
        callsOf(tree.rootNode, fn).map((call) => stringValue(callArguments(call)[0])),
      ),
    ];
    for (const path of paths) {
      expect(path, 'a module or file path must be a plain string').toBeDefined();
      // Registry modules (br:, br/public:) and template specs (ts:) cannot be resolved offline.
      expect(path).not.toMatch(/^(br|ts)[:/]/);
      expect(existsSync(join(dirname(file), path ?? '')), `${file} -> ${path}`).toBe(true);
    }
  });

  it.each(files)('%s documents every parameter with @description', async (file) => {
    const { tree } = await parsed(file);
    for (const param of tree.rootNode.descendantsOfType('parameter_declaration')) {
      const decorators = param?.previousNamedSibling;
      const described =
        decorators?.type === 'decorators' && callsOf(decorators, 'description').length > 0;
      expect(described, `param ${param?.namedChildren[0]?.text} in ${file}`).toBe(true);
    }
  });

  it('names every role assignment guid(scope, principal, role) and takes role ids from named variables', async () => {
    let assignments = 0;
    for (const file of files) {
      const { tree } = await parsed(file);
      for (const resource of bicepResources(tree)) {
        if (resource.type !== 'Microsoft.Authorization/roleAssignments' || resource.existing) continue;
        assignments++;
        const body = resource.body;
        expect(body, `${file}: ${resource.symbol}`).toBeDefined();
        if (!body) continue;
        const name = propertyValue(body, 'name');
        expect(name?.type === 'call_expression' && name.childForFieldName('function')?.text, `${file}: ${resource.symbol}`).toBe('guid');
        expect(name && callArguments(name).length, `${file}: ${resource.symbol} guid arguments`).toBe(3);
        const literals = body.descendantsOfType('string').map((node) => stringValue(node));
        expect(
          literals.filter((text) => /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(text ?? '')),
          `${file}: ${resource.symbol} has a role id literal`,
        ).toEqual([]);
      }
    }
    expect(assignments).toBeGreaterThanOrEqual(5);
  });

  it('keeps the project archives in a private container of the storage account whose blobs the master\'s identity may write', async () => {
    const storage = await parsed(join('infra', 'app', 'storage.bicep'));
    const containers = bicepResources(storage.tree).filter((resource) => resource.type === 'Microsoft.Storage/storageAccounts/blobServices/containers');
    const archives = containers.find((resource) => resource.body && propertyValue(resource.body, 'name')?.text === 'archiveContainerName');
    expect(archives, 'a container named by the archiveContainerName parameter').toBeDefined();
    const properties = archives?.body && propertyValue(archives.body, 'properties');
    expect(properties && stringValue(propertyValue(properties, 'publicAccess'))).toBe('None');

    // The master's identity: a blob data role that writes and deletes, on the account (so on every container).
    const access = await parsed(join('infra', 'app', 'access.bicep'));
    const roleIds = new Map(
      access.tree.rootNode
        .descendantsOfType('variable_declaration')
        .map((variable) => [variable?.namedChildren[0]?.text, stringValue(variable?.namedChildren.at(-1))] as const),
    );
    const blobRoles = bicepResources(access.tree)
      .filter((resource) => resource.type === 'Microsoft.Authorization/roleAssignments' && resource.body)
      .map((resource) => {
        const roleCall = resource.body!.descendantsOfType('call_expression').find((call) => call?.childForFieldName('function')?.text === 'subscriptionResourceId');
        return { scope: propertyValue(resource.body!, 'scope')?.text, role: roleIds.get(callArguments(roleCall!)[1]?.text) };
      })
      .filter(({ role }) => role === storageBlobDataOwner || role === storageBlobDataContributor);
    expect(blobRoles).toContainEqual({ scope: 'storage', role: expect.any(String) });
    // Workers never get a SAS (ADR 0003), so nothing may create user delegation keys.
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toContain(storageBlobDelegator);
  });

  it('declares every parameter that main.parameters.json sets', async () => {
    const { tree } = await parsed(join('infra', 'main.bicep'));
    const declared = tree.rootNode.descendantsOfType('parameter_declaration').map((param) => param?.namedChildren[0]?.text);
    const given = Object.keys((JSON.parse(readFileSync('infra/main.parameters.json', 'utf8')) as { parameters: object }).parameters);
    expect(declared).toEqual(expect.arrayContaining(given));
  });

  it('keeps azd\'s environment out of the master\'s SCALEOUT_* namespace (the master refuses unknown ones)', async () => {
    const { tree } = await parsed(join('infra', 'main.bicep'));
    const outputs = tree.rootNode.descendantsOfType('output_declaration').map((output) => output?.namedChildren[0]?.text);
    expect(outputs).toContain('MASTER_URL');
    expect(outputs.filter((name) => name?.startsWith('SCALEOUT_'))).toEqual([]);
    expect(readFileSync('infra/main.parameters.json', 'utf8')).not.toMatch(/\$\{SCALEOUT_/);
  });

  it('runs the master on Flex Consumption, Node 22, with a system-assigned identity and HTTPS only', async () => {
    const { tree } = await parsed(join('infra', 'app', 'master.bicep'));
    const site = bicepResources(tree).find((resource) => resource.type === 'Microsoft.Web/sites' && !resource.existing);
    const plan = bicepResources(tree).find((resource) => resource.type === 'Microsoft.Web/serverfarms');
    const sku = plan?.body && propertyValue(plan.body, 'sku');
    expect(sku && stringValue(propertyValue(sku, 'tier'))).toBe('FlexConsumption');
    const body = site?.body;
    expect(body).toBeDefined();
    if (!body) return;
    const identity = propertyValue(body, 'identity');
    expect(identity && stringValue(propertyValue(identity, 'type'))).toBe('SystemAssigned');
    const properties = propertyValue(body, 'properties');
    expect(properties && propertyValue(properties, 'httpsOnly')?.text).toBe('true');
    const config = properties && propertyValue(properties, 'functionAppConfig');
    const runtime = config && propertyValue(config, 'runtime');
    expect(runtime && [stringValue(propertyValue(runtime, 'name')), stringValue(propertyValue(runtime, 'version'))]).toEqual([
      'node',
      '22',
    ]);
  });
});
