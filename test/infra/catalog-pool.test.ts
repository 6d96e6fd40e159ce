import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBicep } from '../support/bicep-syntax.js';

/**
 * Every master instance keeps its own pool of catalog connections, so the instance cap times the pool size is how
 * many requests the catalog may be asked to run at once. Serverless General Purpose (Gen5) allows 75 concurrent
 * workers per vCore and 30,000 sessions (azure-sql "resource limits for single databases, vCore"); past the
 * workers it answers 10928 (retried, but every request waits).
 */
const workersPerVCore = 75;
const sessions = 30_000;

async function tree(file: string) {
  return (await parseBicep(readFileSync(file, 'utf8'))).rootNode;
}

async function paramDefault(file: string, name: string): Promise<number> {
  const param = (await tree(file)).descendantsOfType('parameter_declaration').find((node) => node?.namedChildren[0]?.text === name);
  const value = param?.namedChildren[2];
  if (value?.type !== 'number') throw new Error(`param ${name} in ${file} has no number default`);
  return Number(value.text);
}

describe('the catalog pool size in the Bicep', () => {
  it('keeps maximumInstanceCount × catalogPoolSize within the database\'s concurrent workers and sessions', async () => {
    const instances = await paramDefault('infra/main.bicep', 'maximumInstanceCount');
    const pool = await paramDefault('infra/main.bicep', 'catalogPoolSize');
    const vCores = await paramDefault('infra/main.bicep', 'sqlMaxVCores');
    expect({ instances, pool, vCores }).toEqual({ instances: 40, pool: 3, vCores: 2 });
    expect(instances * pool).toBeLessThanOrEqual(workersPerVCore * vCores);
    expect(instances * pool).toBeLessThanOrEqual(sessions);
  });

  it('gives the master the pool size as SCALEOUT_CATALOG_POOL_SIZE, beside the instance cap it is sized for', async () => {
    const main = await tree('infra/main.bicep');
    const passed = main
      .descendantsOfType('object_property')
      .filter((node) => ['catalogPoolSize', 'maximumInstanceCount'].includes(node?.namedChildren[0]?.text ?? ''))
      .map((node) => node?.text);
    expect(passed).toEqual(['maximumInstanceCount: maximumInstanceCount', 'catalogPoolSize: catalogPoolSize']);
    const setting = (await tree('infra/app/master.bicep'))
      .descendantsOfType('object_property')
      .find((node) => node?.namedChildren[0]?.text === 'SCALEOUT_CATALOG_POOL_SIZE');
    expect(setting?.namedChildren[1]?.text).toBe('string(catalogPoolSize)');
  });

  it('caps the HTTP requests in flight per instance (Flex Consumption scaleAndConcurrency.triggers.http)', async () => {
    expect(await paramDefault('infra/main.bicep', 'httpPerInstanceConcurrency')).toBe(16);
    const concurrency = (await tree('infra/app/master.bicep'))
      .descendantsOfType('object_property')
      .find((node) => node?.namedChildren[0]?.text === 'perInstanceConcurrency');
    expect(concurrency?.namedChildren[1]?.text).toBe('httpPerInstanceConcurrency');
    expect(concurrency?.parent?.parent?.namedChildren[0]?.text).toBe('http');
  });
});
