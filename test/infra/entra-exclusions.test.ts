import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentDownloadEndpoints } from '../../contracts/agent-downloads.js';
import { enrollmentEndpoints } from '../../contracts/enrollment.js';
import { taskEndpoints } from '../../contracts/task-api.js';
import { workerEndpoints } from '../../contracts/worker-protocol.js';
import { functionTable } from '../../functions/function-table.js';
import { bicepResources, parseBicep, propertyValue, stringValue } from '../support/bicep-syntax.js';

/** The paths App Service authentication leaves alone, read from the authsettingsV2 resource's syntax tree. */
async function excludedPaths(): Promise<string[]> {
  const tree = await parseBicep(readFileSync(join('infra', 'app', 'master.bicep'), 'utf8'));
  const auth = bicepResources(tree).find(
    (resource) => resource.type === 'Microsoft.Web/sites/config' && resource.body && stringValue(propertyValue(resource.body, 'name')) === 'authsettingsV2',
  );
  const properties = auth?.body && propertyValue(auth.body, 'properties');
  const validation = properties && propertyValue(properties, 'globalValidation');
  const list = validation && propertyValue(validation, 'excludedPaths');
  expect(list?.type, 'globalValidation.excludedPaths must be an array literal').toBe('array');
  return list!.namedChildren.map((item) => {
    const path = stringValue(item);
    if (path === undefined) throw new Error(`an excluded path is not a literal: ${item.text}`);
    return path;
  });
}

const matches = (pattern: string, route: string): boolean =>
  pattern.endsWith('/*') ? `/${route}`.startsWith(pattern.slice(0, -1)) : `/${route}` === pattern;

describe('App Service authentication (Entra ID) in the Bicep', () => {
  // Workers (and workers joining, with an enrollment token) and running packages send Bearer tokens the master
  // checks itself: App Service would try to validate them as Entra tokens and refuse them, so their routes must be
  // excluded, and nothing else. The agent's downloads sit under the same prefix: open to anyone (a machine that has
  // not joined yet has no credential), they lose nothing by it.
  const selfAuthenticated = new Set<string>([...workerEndpoints, ...enrollmentEndpoints, ...agentDownloadEndpoints, ...taskEndpoints].map((endpoint) => endpoint.operationId));
  const httpFunctions = functionTable.flatMap((fn) => (fn.kind === 'http' ? [fn] : []));

  it('excludes exactly the route prefixes of the worker and task functions of the function table', async () => {
    const prefixes = new Set(
      httpFunctions.filter((fn) => selfAuthenticated.has(fn.name)).map((fn) => `/${fn.route.split('/').slice(0, 3).join('/')}/*`),
    );
    expect(prefixes.size).toBeGreaterThan(1);
    expect((await excludedPaths()).sort()).toEqual([...prefixes].sort());
  });

  it('leaves every management and public function behind it, and every worker and task function out', async () => {
    const excluded = await excludedPaths();
    for (const fn of httpFunctions) {
      const isExcluded = excluded.some((pattern) => matches(pattern, fn.route));
      expect(isExcluded, `${fn.name} /${fn.route}`).toBe(selfAuthenticated.has(fn.name));
    }
  });
});
