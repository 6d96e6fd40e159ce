import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, deployProject, listAuditTrail, listCatalogProperties, listProjectVersions } from '../../../contracts/management/endpoints.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { lines, masterEnv, runInProcess } from './harness.js';

/** SSISDB configure_catalog over HTTPS, from the CLI: what an administrator sets, and what a deploy then does with it. */
describe('scaleout catalog properties | configure', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  let readerEnv: Record<string, string>;
  const cli = (args: string[], as = env) => runInProcess(args, { env: as });
  const project = { folderName: 'Finance', projectName: 'ETL' };
  const propertyValue = async (name: string) =>
    (await master.admin(listCatalogProperties, {})).properties.find((property) => property.propertyName === name)?.propertyValue;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    env = masterEnv(master);
    const reader = await master.admin(createApiKey, { body: { name: 'auditor', role: 'reader' } });
    readerEnv = masterEnv(master, reader.secret);
  });
  afterAll(async () => {
    await master?.stop();
  });

  it('lists the three settings with their defaults and meanings, to a reader too', async () => {
    const listed = await cli(['catalog', 'properties'], readerEnv);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = lines(listed.stdout).map((row) => row.split(/\s{2,}/).slice(0, 2));
    expect(rows).toEqual([
      ['PROPERTY', 'VALUE'],
      ['MAX_PROJECT_VERSIONS', '10'],
      ['OPERATION_CLEANUP_ENABLED', 'true'],
      ['RETENTION_WINDOW', '365'],
    ]);
  });

  it('MAX_PROJECT_VERSIONS 2: the third deploy keeps the newest two; the change is audited', async () => {
    const set = await cli(['catalog', 'configure', 'MAX_PROJECT_VERSIONS', '2']);
    expect(set.code, set.stderr).toBe(0);
    expect(lines(set.stdout)).toEqual(['MAX_PROJECT_VERSIONS is now 2.']);
    const archive = await zipFiles(sampleProjectFiles());
    for (let deploy = 0; deploy < 3; deploy++) await master.admin(deployProject, { params: project, body: archive });
    const { versions } = await master.admin(listProjectVersions, { params: project });
    expect(versions.map((version) => version.versionNumber).sort()).toEqual([2, 3]);
    const { entries } = await master.admin(listAuditTrail, { query: { limit: 50 } });
    expect(entries.find((entry) => entry.action === 'configure-catalog')).toMatchObject({
      targetType: 'catalog',
      targetId: 'MAX_PROJECT_VERSIONS',
      details: { value: '2' },
    });
  });

  it('refuses a value that breaks the rule, an unknown property and a reader, naming why, and keeps the value', async () => {
    const zero = await cli(['catalog', 'configure', 'MAX_PROJECT_VERSIONS', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain("MAX_PROJECT_VERSIONS must be a whole number of versions, at least 1, not '0'");
    const notBoolean = await cli(['catalog', 'configure', 'OPERATION_CLEANUP_ENABLED', 'sometimes']);
    expect(notBoolean.code).toBe(1);
    expect(notBoolean.stderr).toContain("OPERATION_CLEANUP_ENABLED must be true or false, not 'sometimes'");
    const unknown = await cli(['catalog', 'configure', 'IS_SCALEOUT_ENABLED', 'true']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("catalog property 'IS_SCALEOUT_ENABLED' was not found");
    const reader = await cli(['catalog', 'configure', 'RETENTION_WINDOW', '30'], readerEnv);
    expect(reader.code).toBe(5);
    expect(await propertyValue('MAX_PROJECT_VERSIONS')).toBe('2');
    expect(await propertyValue('RETENTION_WINDOW')).toBe('365');
  });

  it('takes a value written in another case or with leading zeros as its plain form', async () => {
    expect((await cli(['catalog', 'configure', 'OPERATION_CLEANUP_ENABLED', 'FALSE'])).code).toBe(0);
    expect((await cli(['catalog', 'configure', 'RETENTION_WINDOW', '030'])).code).toBe(0);
    expect(await propertyValue('OPERATION_CLEANUP_ENABLED')).toBe('false');
    expect(await propertyValue('RETENTION_WINDOW')).toBe('30');
  });
});
