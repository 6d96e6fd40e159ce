import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, callEndpoint } from '../../contracts/client.js';
import type { EndpointSpec } from '../../contracts/endpoint.js';
import {
  createEnvironment,
  createEnvironmentReference,
  createEnvironmentVariable,
  deleteEnvironment,
  deleteEnvironmentReference,
  deleteEnvironmentVariable,
  listEnvironments,
  renameEnvironment,
  setEnvironmentVariableValue,
  setObjectParameterValue,
} from '../../contracts/management/environment-endpoints.js';
import {
  createApiKey,
  createExecution,
  deployProject,
  getDashboard,
  getProject,
  listAuditTrail,
  listExecutions,
  listFolders,
  listProjects,
  listProjectVersions,
  restoreProject,
} from '../../contracts/management/endpoints.js';
import { PermissionName } from '../../contracts/management/object-permissions.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { denyPermission, getMyPermissions, grantPermission, listPermissions, revokePermission } from '../../contracts/management/permission-endpoints.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type ManagementCaller, type TestMaster } from '../support/test-master.js';

const annaObjectId = '7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';
const operatorsGroupId = '0b6f1a2c-3d4e-4f50-8a9b-0c1d2e3f4a5b';

/** The header App Service authentication sets for an Entra caller: her object id, her groups, her app role. */
function clientPrincipal(name: string, objectId: string, groups: string[], role: string): string {
  const claims = [
    { typ: 'name', val: name },
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: objectId },
    ...groups.map((group) => ({ typ: 'groups', val: group })),
    { typ: 'roles', val: role },
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims })).toString('base64');
}

async function refusal(call: Promise<unknown>): Promise<{ status: number; detail: string }> {
  const error = await call.then(() => undefined, (thrown: unknown) => thrown);
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return { status: error.status, detail: error.message };
}

const run = (folderName: string, projectName: string) => ({
  body: { folderName, projectName, packageName: 'extract', parameters: { SourcePath: '/in.csv' }, start: true },
});

describe('object permissions over HTTPS: executor and reader roles use the catalog, permissions decide on what', () => {
  let master: TestMaster;
  let executor: ManagementCaller;
  let executorId: string;
  let transport: NodeHttpsTransport;
  let anna: ManagementCaller;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false, env: { SCALEOUT_ENTRA_AUTH: 'true' } });
    const archive = await zipFiles(sampleProjectFiles());
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: archive });
    await master.admin(deployProject, { params: { folderName: 'HR', projectName: 'Payroll' }, body: archive });
    await master.admin(createEnvironment, { params: { folderName: 'Finance' }, body: { name: 'Prod' } });
    await master.admin(createEnvironment, { params: { folderName: 'HR' }, body: { name: 'Prod' } });
    const key = await master.admin(createApiKey, { body: { name: 'finance scheduler', role: 'executor' } });
    executor = master.as(key.secret);
    executorId = `apikey:${key.apiKey.apiKeyId}`;
    for (const permission of ['READ', 'READ_OBJECTS', 'EXECUTE_OBJECTS'] as const) {
      await master.admin(grantPermission, { body: { objectType: 'folder', folderName: 'Finance', principal: executorId, permission } });
    }
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    const annaPrincipal = clientPrincipal('anna@contoso.com', annaObjectId, [operatorsGroupId], 'ScaleOut.Executor');
    anna = (endpoint, input) => callEndpoint(transport, endpoint, input, { headers: { 'x-ms-client-principal': annaPrincipal } });
  });

  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  it('an executor key with EXECUTE_OBJECTS on Finance runs there and is refused on HR, naming the permission and the project', async () => {
    const started = await executor(createExecution, run('Finance', 'ETL'));
    expect(started).toMatchObject({ folderName: 'Finance', projectName: 'ETL', status: 5 });
    const before = (await master.admin(listExecutions, {})).executions.length;
    expect(await refusal(executor(createExecution, run('HR', 'Payroll')))).toEqual({
      status: 403,
      detail: `this needs EXECUTE on project 'HR/Payroll'; ${executorId} does not have it`,
    });
    expect((await master.admin(listExecutions, {})).executions.length).toBe(before);
    expect(await refusal(executor(getProject, { params: { folderName: 'HR', projectName: 'Payroll' } }))).toEqual({
      status: 403,
      detail: `this needs READ on project 'HR/Payroll'; ${executorId} does not have it`,
    });
  });

  it('every listing holds only what the caller may read', async () => {
    await master.admin(createExecution, run('HR', 'Payroll'));
    expect((await executor(listFolders, {})).folders.map((f) => f.name)).toEqual(['Finance']);
    expect((await executor(listProjects, {})).projects.map((p) => `${p.folderName}/${p.projectName}`)).toEqual(['Finance/ETL']);
    expect((await executor(listEnvironments, {})).environments.map((e) => `${e.folderName}/${e.name}`)).toEqual(['Finance/Prod']);
    const executions = (await executor(listExecutions, {})).executions;
    expect(executions.length).toBeGreaterThan(0);
    expect(new Set(executions.map((e) => `${e.folderName}/${e.projectName}`))).toEqual(new Set(['Finance/ETL']));
    // The dashboard's overview counts the same executions as the list, for the executor and for the admin.
    const counted = async (caller: ManagementCaller) => Object.values((await caller(getDashboard, {})).last24Hours).reduce((sum, n) => sum + n, 0);
    expect(await counted(executor)).toBe(executions.length);
    expect(await counted(master.admin)).toBe((await master.admin(listExecutions, {})).executions.length);
    expect(await counted(master.admin)).toBeGreaterThan(executions.length);
    expect((await executor(listPermissions, {})).permissions.every((p) => p.folderName === 'Finance')).toBe(true);
    expect((await master.admin(listFolders, {})).folders.map((f) => f.name)).toEqual(['Finance', 'HR']);
    const mine = await executor(getMyPermissions, {});
    expect(mine).toMatchObject({ principals: [executorId], allPermissions: false });
    expect(mine.permissions.map((p) => `${p.objectType}:${p.folderName}/${p.objectName ?? ''} ${p.permissions.join(' ')}`)).toEqual([
      'folder:Finance/ READ READ_OBJECTS EXECUTE_OBJECTS',
      'project:Finance/ETL READ EXECUTE',
      'environment:Finance/Prod READ',
    ]);
  });

  it("deny beats grant: a deny to Anna's group on Finance's projects beats her own EXECUTE; revoking it gives it back", async () => {
    const etl = { objectType: 'project', folderName: 'Finance', objectName: 'ETL' } as const;
    await master.admin(grantPermission, { body: { ...etl, principal: `entra:${annaObjectId}`, permission: 'EXECUTE' } });
    await expect(anna(createExecution, run('Finance', 'ETL'))).resolves.toMatchObject({ createdBy: 'entra:anna@contoso.com' });
    const denied = await master.admin(denyPermission, {
      body: { objectType: 'folder', folderName: 'Finance', principal: `entra:${operatorsGroupId.toUpperCase()}`, permission: 'EXECUTE_OBJECTS' },
    });
    expect(denied).toMatchObject({ principal: `entra:${operatorsGroupId}`, permission: 'EXECUTE_OBJECTS', permissionType: 103, isDeny: true });
    expect(await refusal(anna(createExecution, run('Finance', 'ETL')))).toEqual({
      status: 403,
      detail: "this needs EXECUTE on project 'Finance/ETL'; entra:anna@contoso.com does not have it",
    });
    await master.admin(revokePermission, {
      body: { objectType: 'folder', folderName: 'Finance', principal: `entra:${operatorsGroupId}`, permission: 'EXECUTE_OBJECTS' },
    });
    await expect(anna(createExecution, run('Finance', 'ETL'))).resolves.toMatchObject({ folderName: 'Finance' });
  });

  it('granting needs MANAGE_PERMISSIONS on the object; what an executor deploys to a new folder is its own to share', async () => {
    const other = await master.admin(createApiKey, { body: { name: 'sales reporting', role: 'reader' } });
    const readSales = { objectType: 'folder', folderName: 'Finance', principal: `apikey:${other.apiKey.apiKeyId}`, permission: 'READ' } as const;
    expect(await refusal(executor(grantPermission, { body: readSales }))).toEqual({
      status: 403,
      detail: `this needs MANAGE_PERMISSIONS on folder 'Finance'; ${executorId} does not have it`,
    });
    await executor(deployProject, { params: { folderName: 'Sales', projectName: 'Load' }, body: await zipFiles(sampleProjectFiles()) });
    await expect(executor(grantPermission, { body: { ...readSales, folderName: 'Sales' } })).resolves.toMatchObject({ grantor: executorId });
    expect((await master.as(other.secret)(listFolders, {})).folders.map((f) => f.name)).toEqual(['Sales']);
    // Deploying a new project into a folder it may not create objects in is refused.
    expect(
      await refusal(executor(deployProject, { params: { folderName: 'HR', projectName: 'Other' }, body: await zipFiles(sampleProjectFiles()) })),
    ).toEqual({ status: 403, detail: `this needs CREATE_OBJECTS on folder 'HR'; ${executorId} does not have it` });
    // A reader's role may change nothing, whatever its permissions.
    expect(await refusal(master.as(other.secret)(grantPermission, { body: { ...readSales, folderName: 'Sales' } }))).toMatchObject({ status: 403 });
  });

  it('a reader holding every permission on Finance is refused every change to its environments, configuration and versions', async () => {
    const key = await master.admin(createApiKey, { body: { name: 'read only', role: 'reader' } });
    const reader = master.as(key.secret);
    const applies = PermissionName.options.filter((p) => p !== 'EXECUTE');
    for (const permission of applies) {
      await master.admin(grantPermission, { body: { objectType: 'folder', folderName: 'Finance', principal: `apikey:${key.apiKey.apiKeyId}`, permission } });
    }
    await master.admin(createEnvironmentVariable, { params: { folderName: 'Finance', environmentName: 'Prod' }, body: { name: 'InPath', dataType: 'String', value: '/in.csv' } });
    const project = { folderName: 'Finance', projectName: 'ETL' };
    const environment = { folderName: 'Finance', environmentName: 'Prod' };
    const changes: Record<string, { endpoint: EndpointSpec; input: object }> = {
      createEnvironment: { endpoint: createEnvironment, input: { params: { folderName: 'Finance' }, body: { name: 'Test' } } },
      renameEnvironment: { endpoint: renameEnvironment, input: { params: environment, body: { newName: 'Production' } } },
      deleteEnvironment: { endpoint: deleteEnvironment, input: { params: environment } },
      createEnvironmentVariable: { endpoint: createEnvironmentVariable, input: { params: environment, body: { name: 'Rows', dataType: 'Int32', value: 5 } } },
      setEnvironmentVariableValue: { endpoint: setEnvironmentVariableValue, input: { params: { ...environment, variableName: 'InPath' }, body: { value: '/other.csv' } } },
      deleteEnvironmentVariable: { endpoint: deleteEnvironmentVariable, input: { params: { ...environment, variableName: 'InPath' } } },
      createEnvironmentReference: { endpoint: createEnvironmentReference, input: { params: project, body: { environmentName: 'Prod' } } },
      deleteEnvironmentReference: { endpoint: deleteEnvironmentReference, input: { params: { ...project, referenceId: '1' } } },
      setObjectParameterValue: {
        endpoint: setObjectParameterValue,
        input: { params: { ...project, packageName: 'extract', parameterName: 'SourcePath' }, body: { valueType: 'V', value: '/x.csv' } },
      },
      restoreProject: { endpoint: restoreProject, input: { params: project, body: { versionNumber: 1 } } },
      deployProject: { endpoint: deployProject, input: { params: project, body: await zipFiles(sampleProjectFiles()) } },
      grantPermission: { endpoint: grantPermission, input: { body: { objectType: 'folder', folderName: 'Finance', principal: executorId, permission: 'MODIFY' } } },
    };
    const before = JSON.stringify([
      await master.admin(listEnvironments, { query: { folder: 'Finance' } }),
      await master.admin(listProjectVersions, { params: project }),
      await master.admin(listPermissions, { query: { folder: 'Finance' } }),
    ]);
    for (const [name, { endpoint, input }] of Object.entries(changes)) {
      expect(await refusal(reader(endpoint, input as never)), name).toEqual({
        status: 403,
        detail: `this needs the executor role; apikey:${key.apiKey.apiKeyId} has reader`,
      });
    }
    expect(
      JSON.stringify([
        await master.admin(listEnvironments, { query: { folder: 'Finance' } }),
        await master.admin(listProjectVersions, { params: project }),
        await master.admin(listPermissions, { query: { folder: 'Finance' } }),
      ]),
    ).toBe(before);
    // It reads them all.
    await expect(reader(listProjectVersions, { params: project })).resolves.toMatchObject({ versions: [{ versionNumber: 1 }] });
  });

  it('every grant, deny and revoke is in the audit trail with who did it', async () => {
    const { entries } = await master.admin(listAuditTrail, { query: { limit: '200' } });
    const permissionEntries = entries.filter((e) => e.action.endsWith('-permission')).map((e) => [e.action, e.targetType, e.targetId, e.details]);
    expect(permissionEntries).toEqual(
      expect.arrayContaining([
        ['grant-permission', 'folder', 'Finance', { principal: executorId, permission: 'EXECUTE_OBJECTS' }],
        ['grant-permission', 'project', 'Finance/ETL', { principal: `entra:${annaObjectId}`, permission: 'EXECUTE' }],
        ['deny-permission', 'folder', 'Finance', { principal: `entra:${operatorsGroupId}`, permission: 'EXECUTE_OBJECTS' }],
        ['revoke-permission', 'folder', 'Finance', { principal: `entra:${operatorsGroupId}`, permission: 'EXECUTE_OBJECTS', wasDeny: true }],
      ]),
    );
  });
});
