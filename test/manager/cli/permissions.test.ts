import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, deployProject, listAuditTrail } from '../../../contracts/management/endpoints.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { lines, masterEnv, runInProcess } from './harness.js';

describe('scaleout permission grant|deny|revoke|list', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  let executorEnv: Record<string, string>;
  let readerEnv: Record<string, string>;
  let executor: string;
  const cli = (args: string[], as = env) => runInProcess(args, { env: as });
  const run = (folderAndProject: string, as = executorEnv) => cli(['execution', 'run', `${folderAndProject}/extract`, '--param', 'SourcePath=/in.csv'], as);

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    env = masterEnv(master);
    const archive = await zipFiles(sampleProjectFiles());
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: archive });
    await master.admin(deployProject, { params: { folderName: 'HR', projectName: 'Payroll' }, body: archive });
    const key = await master.admin(createApiKey, { body: { name: 'finance runs', role: 'executor' } });
    executor = `apikey:${key.apiKey.apiKeyId}`;
    executorEnv = masterEnv(master, key.secret);
    const reader = await master.admin(createApiKey, { body: { name: 'auditor', role: 'reader' } });
    readerEnv = masterEnv(master, reader.secret);
  });
  afterAll(async () => {
    await master?.stop();
  });

  it('grant gives an executor key a folder; it runs there and is refused elsewhere, naming the permission (exit 5)', async () => {
    for (const permission of ['read', 'read_objects', 'execute_objects']) {
      const granted = await cli(['permission', 'grant', permission, executor, '--folder', 'Finance']);
      expect(granted.code).toBe(0);
    }
    expect(lines((await cli(['permission', 'grant', 'EXECUTE_OBJECTS', executor, '--folder', 'Finance'])).stdout)).toEqual([
      `Granted EXECUTE_OBJECTS (103) to ${executor} on folder Finance.`,
    ]);
    expect((await run('Finance/ETL')).code).toBe(0);
    const refused = await run('HR/Payroll');
    expect(refused.code).toBe(5);
    expect(lines(refused.stderr)).toEqual([`error: this needs EXECUTE on project 'HR/Payroll'; ${executor} does not have it`]);

    const listed = await cli(['permission', 'list', '--folder', 'Finance']);
    expect(listed.code).toBe(0);
    const rows = lines(listed.stdout);
    expect(rows[0]).toMatch(/^OBJECT\s+PRINCIPAL\s+PERMISSION\s+GIVEN\s+BY$/);
    expect(rows.slice(1).map((row) => row.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['folder Finance', executor, 'READ (1)', 'grant'],
      ['folder Finance', executor, 'READ_OBJECTS (101)', 'grant'],
      ['folder Finance', executor, 'EXECUTE_OBJECTS (103)', 'grant'],
    ]);
    const mine = await cli(['permission', 'list', '--mine'], executorEnv);
    expect(lines(mine.stdout).slice(1).map((row) => row.split(/\s{2,}/))).toEqual([
      ['folder Finance', 'READ, READ_OBJECTS, EXECUTE_OBJECTS'],
      ['project Finance/ETL', 'READ, EXECUTE'],
    ]);
  });

  it('deny beats the folder grant until it is revoked; both are in the audit trail', async () => {
    const denied = await cli(['permission', 'deny', 'EXECUTE', executor, '--project', 'Finance/ETL']);
    expect(lines(denied.stdout)).toEqual([`Denied EXECUTE (3) to ${executor} on project Finance/ETL.`]);
    const refused = await run('Finance/ETL');
    expect(refused.code).toBe(5);
    expect(lines(refused.stderr)).toEqual([`error: this needs EXECUTE on project 'Finance/ETL'; ${executor} does not have it`]);
    const revoked = await cli(['permission', 'revoke', 'EXECUTE', executor, '--project', 'Finance/ETL']);
    expect(lines(revoked.stdout)).toEqual([`Revoked EXECUTE of ${executor} on project Finance/ETL.`]);
    expect((await run('Finance/ETL')).code).toBe(0);
    const { entries } = await master.admin(listAuditTrail, { query: { limit: '20' } });
    expect(entries.filter((e) => e.targetId === 'Finance/ETL').map((e) => e.action).slice(0, 2)).toEqual(['revoke-permission', 'deny-permission']);
  });

  it('refuses a bad object, principal or permission, and a reader, changing nothing', async () => {
    const before = (await cli(['permission', 'list', '--json'])).stdout;
    const none = await cli(['permission', 'grant', 'READ', executor]);
    expect(none.code).toBe(2);
    expect(lines(none.stderr)).toEqual(['error: name the object with exactly one of --folder <folder>, --project <folder/project>, --environment <folder/env>']);
    expect((await cli(['permission', 'grant', 'READ', executor, '--folder', 'HR', '--project', 'HR/Payroll'])).code).toBe(2);
    const badPermission = await cli(['permission', 'grant', 'OWN', executor, '--folder', 'HR']);
    expect(badPermission.code).not.toBe(0);
    expect(badPermission.stderr).toContain('<permission>');
    const badPrincipal = await cli(['permission', 'grant', 'READ', 'bob', '--folder', 'HR']);
    expect(badPrincipal.code).not.toBe(0);
    expect(badPrincipal.stderr).toContain('<principal> must be apikey:<API key id> or entra:<object id of an Entra user or group>');
    const wrongObject = await cli(['permission', 'grant', 'EXECUTE', executor, '--folder', 'HR']);
    expect(lines(wrongObject.stderr)).toEqual(['error: <permission>: EXECUTE does not apply to a folder; it applies to a project']);
    const asReader = await cli(['permission', 'grant', 'READ', executor, '--folder', 'HR'], readerEnv);
    expect(asReader.code).toBe(5);
    expect((await cli(['permission', 'list', '--json'])).stdout).toBe(before);
  });
});
