import { expect } from 'vitest';
import { NotFoundError, ValidationError } from '../../../functions/catalog/errors.js';
import type { Catalog, PermissionInput } from '../../../functions/catalog/catalog.js';
import type { CatalogHarness } from '../../support/catalog-harness.js';
import { admin, deployEtl, etlPackages, storedArchive, type Scenario } from './fixtures.js';

const executorKey = 'apikey:exec0001';
const groupOps = 'entra:0b6f1a2c-3d4e-4f50-8a9b-0c1d2e3f4a5b';
const userAnna = 'entra:7e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b';

async function financeAndHr(h: CatalogHarness): Promise<void> {
  await h.catalog.insertApiKey({ apiKeyId: 'exec0001', name: 'release pipeline', role: 'executor', keyHash: 'h' }, admin);
  await deployEtl(h.catalog);
  await h.catalog.deployProject(
    { folderName: 'HR', projectName: 'Payroll', ...storedArchive('HR/Payroll', Buffer.from('p')), manifest: {}, packages: etlPackages },
    admin,
  );
  await h.catalog.createEnvironment({ folderName: 'Finance', environmentName: 'Prod' }, admin);
}

const onFinance = (principal: string, permission: PermissionInput['permission']): PermissionInput => ({
  object: { objectType: 'folder', folderName: 'Finance' },
  principal,
  permission,
});

/** `type:path PERMISSION…` for each object the principals may use: easy to read in a failure. */
async function effective(catalog: Catalog, principals: string[]): Promise<string[]> {
  return (await catalog.getEffectivePermissions(principals)).map(
    (e) => `${e.objectType}:${e.objectName ? `${e.folderName}/${e.objectName}` : e.folderName} ${e.permissions.join(' ')}`,
  );
}

export const objectPermissionScenarios: Record<string, Scenario> = {
  'grant_permission and deny_permission keep one row per object, principal and permission, with SSISDB numbers, audited': async (h) => {
    await financeAndHr(h);
    h.clock.advance(1000);
    const granted = await h.catalog.grantPermission(
      { object: { objectType: 'project', folderName: 'Finance', objectName: 'ETL' }, principal: executorKey, permission: 'EXECUTE' },
      admin,
    );
    expect(granted).toMatchObject({
      objectType: 'project',
      folderName: 'Finance',
      objectName: 'ETL',
      principal: executorKey,
      permission: 'EXECUTE',
      permissionType: 3,
      isDeny: false,
      grantor: admin,
      grantedTime: h.clock.now(),
    });
    await h.catalog.grantPermission(onFinance(groupOps, 'READ_OBJECTS'), admin);
    // A deny replaces the principal's grant of the same permission on the same object.
    await h.catalog.denyPermission(
      { object: { objectType: 'project', folderName: 'Finance', objectName: 'ETL' }, principal: executorKey, permission: 'EXECUTE' },
      admin,
    );
    const listed = await h.catalog.listExplicitPermissions('Finance');
    expect(listed.map((p) => [p.objectType, p.objectName, p.principal, p.permission, p.permissionType, p.isDeny])).toEqual([
      ['folder', null, groupOps, 'READ_OBJECTS', 101, false],
      ['project', 'ETL', executorKey, 'EXECUTE', 3, true],
    ]);
    expect(await h.catalog.listExplicitPermissions('HR')).toEqual([]);
    expect((await h.catalog.listExplicitPermissions()).length).toBe(2);
    const trail = (await h.catalog.listAuditTrail({ limit: 3, offset: 0 })).items;
    expect(trail.map((e) => [e.action, e.targetType, e.targetId, e.details])).toEqual([
      ['deny-permission', 'project', 'Finance/ETL', { principal: executorKey, permission: 'EXECUTE' }],
      ['grant-permission', 'folder', 'Finance', { principal: groupOps, permission: 'READ_OBJECTS' }],
      ['grant-permission', 'project', 'Finance/ETL', { principal: executorKey, permission: 'EXECUTE' }],
    ]);
  },

  'revoke_permission removes a grant or a deny, audited; revoking what is not there changes nothing': async (h) => {
    await financeAndHr(h);
    await h.catalog.denyPermission(onFinance(userAnna, 'MODIFY'), admin);
    await h.catalog.revokePermission(onFinance(userAnna, 'MODIFY'), 'entra:dba@contoso.com');
    expect(await h.catalog.listExplicitPermissions('Finance')).toEqual([]);
    expect((await h.catalog.listAuditTrail({ limit: 1, offset: 0 })).items[0]).toMatchObject({
      actor: 'entra:dba@contoso.com',
      action: 'revoke-permission',
      targetType: 'folder',
      targetId: 'Finance',
      details: { principal: userAnna, permission: 'MODIFY', wasDeny: true },
    });
    const auditCount = (await h.catalog.listAuditTrail({ limit: 100, offset: 0 })).items.length;
    await expect(h.catalog.revokePermission(onFinance(userAnna, 'MODIFY'), admin)).rejects.toThrow(
      `permission 'MODIFY of ${userAnna} on folder Finance' was not found`,
    );
    expect((await h.catalog.listAuditTrail({ limit: 100, offset: 0 })).items.length).toBe(auditCount);
  },

  "a folder's object permissions reach its projects and environments; EXECUTE only projects": async (h) => {
    await financeAndHr(h);
    await h.catalog.grantPermission(onFinance(executorKey, 'READ'), admin);
    await h.catalog.grantPermission(onFinance(executorKey, 'READ_OBJECTS'), admin);
    await h.catalog.grantPermission(onFinance(executorKey, 'EXECUTE_OBJECTS'), admin);
    expect(await effective(h.catalog, [executorKey])).toEqual([
      'folder:Finance READ READ_OBJECTS EXECUTE_OBJECTS',
      'project:Finance/ETL READ EXECUTE',
      'environment:Finance/Prod READ',
    ]);
    // Nothing on HR, nothing for a principal with no permission.
    expect(await effective(h.catalog, [userAnna])).toEqual([]);
    expect(await effective(h.catalog, [])).toEqual([]);
  },

  'deny beats grant: on the object, through the folder, and to a group the caller is in': async (h) => {
    await financeAndHr(h);
    await h.catalog.grantPermission({ object: { objectType: 'project', folderName: 'Finance', objectName: 'ETL' }, principal: userAnna, permission: 'EXECUTE' }, admin);
    await h.catalog.grantPermission({ object: { objectType: 'project', folderName: 'Finance', objectName: 'ETL' }, principal: userAnna, permission: 'READ' }, admin);
    expect(await effective(h.catalog, [userAnna, groupOps])).toEqual(['project:Finance/ETL READ EXECUTE']);
    // The group Anna is in is denied EXECUTE on every project of Finance: her own grant no longer counts.
    await h.catalog.denyPermission(onFinance(groupOps, 'EXECUTE_OBJECTS'), admin);
    expect(await effective(h.catalog, [userAnna, groupOps])).toEqual(['project:Finance/ETL READ']);
    // Without the group (another caller), the grant stands.
    expect(await effective(h.catalog, [userAnna])).toEqual(['project:Finance/ETL READ EXECUTE']);
    // A deny of READ on the project beats a folder-wide READ_OBJECTS.
    await h.catalog.grantPermission(onFinance(userAnna, 'READ_OBJECTS'), admin);
    await h.catalog.denyPermission({ object: { objectType: 'project', folderName: 'Finance', objectName: 'ETL' }, principal: userAnna, permission: 'READ' }, admin);
    expect(await effective(h.catalog, [userAnna])).toEqual(['folder:Finance READ_OBJECTS', 'project:Finance/ETL EXECUTE', 'environment:Finance/Prod READ']);
  },

  'bad grants are refused naming the field and why, storing nothing': async (h) => {
    await financeAndHr(h);
    const auditCount = (await h.catalog.listAuditTrail({ limit: 100, offset: 0 })).items.length;
    await expect(h.catalog.grantPermission(onFinance(executorKey, 'EXECUTE'), admin)).rejects.toThrow(
      'Permission: EXECUTE does not apply to a folder; it applies to a project',
    );
    await expect(
      h.catalog.grantPermission({ object: { objectType: 'environment', folderName: 'Finance', objectName: 'Prod' }, principal: executorKey, permission: 'CREATE_OBJECTS' }, admin),
    ).rejects.toThrow(ValidationError);
    await expect(h.catalog.grantPermission(onFinance('apikey:nosuchkey', 'READ'), admin)).rejects.toThrow("Principal: there is no API key 'nosuchkey'");
    await expect(h.catalog.grantPermission(onFinance('entra:not-a-guid', 'READ'), admin)).rejects.toThrow('Principal must be apikey:<API key id> or entra:<object id of an Entra user or group>');
    await expect(h.catalog.grantPermission({ ...onFinance(executorKey, 'READ'), object: { objectType: 'folder', folderName: 'Sales' } }, admin)).rejects.toThrow(
      "folder 'Sales' was not found",
    );
    await expect(
      h.catalog.denyPermission({ object: { objectType: 'project', folderName: 'HR', objectName: 'ETL' }, principal: executorKey, permission: 'READ' }, admin),
    ).rejects.toThrow(NotFoundError);
    await expect(h.catalog.listExplicitPermissions('Sales')).rejects.toThrow(NotFoundError);
    expect(await h.catalog.listExplicitPermissions()).toEqual([]);
    expect((await h.catalog.listAuditTrail({ limit: 100, offset: 0 })).items.length).toBe(auditCount);
  },

  'the creator of a folder, project or environment gets every permission on it; an admin none': async (h) => {
    await h.catalog.insertApiKey({ apiKeyId: 'exec0001', name: 'release pipeline', role: 'executor', keyHash: 'h' }, admin);
    await h.catalog.deployProject(
      { folderName: 'Sales', projectName: 'Load', ...storedArchive('Sales/Load', Buffer.from('l')), manifest: {}, packages: etlPackages, creator: executorKey },
      executorKey,
    );
    await h.catalog.createEnvironment({ folderName: 'Sales', environmentName: 'Test', creator: executorKey }, executorKey);
    expect(await effective(h.catalog, [executorKey])).toEqual([
      'folder:Sales READ MODIFY MANAGE_PERMISSIONS CREATE_OBJECTS READ_OBJECTS MODIFY_OBJECTS EXECUTE_OBJECTS MANAGE_OBJECT_PERMISSIONS',
      'project:Sales/Load READ MODIFY EXECUTE MANAGE_PERMISSIONS',
      'environment:Sales/Test READ MODIFY MANAGE_PERMISSIONS',
    ]);
    expect((await h.catalog.listAuditTrail({ limit: 1, offset: 0 })).items[0]).toMatchObject({
      actor: executorKey,
      action: 'grant-permission',
      targetType: 'environment',
      targetId: 'Sales/Test',
      details: { principal: executorKey, permissions: ['READ', 'MODIFY', 'MANAGE_PERMISSIONS'], reason: 'creator' },
    });
    // A new version of a project gives nothing more; an admin's deploy gives nothing.
    const before = (await h.catalog.listExplicitPermissions()).length;
    await h.catalog.deployProject(
      { folderName: 'Sales', projectName: 'Load', ...storedArchive('Sales/Load', Buffer.from('l2')), manifest: {}, packages: etlPackages, creator: executorKey },
      executorKey,
    );
    await deployEtl(h.catalog);
    expect((await h.catalog.listExplicitPermissions()).length).toBe(before);
  },

  "deleting an environment removes the permissions given on it": async (h) => {
    await financeAndHr(h);
    await h.catalog.grantPermission({ object: { objectType: 'environment', folderName: 'Finance', objectName: 'Prod' }, principal: executorKey, permission: 'READ' }, admin);
    await h.catalog.deleteEnvironment('Finance', 'Prod', admin);
    await h.catalog.createEnvironment({ folderName: 'Finance', environmentName: 'Prod' }, admin);
    expect(await h.catalog.listExplicitPermissions('Finance')).toEqual([]);
    expect(await effective(h.catalog, [executorKey])).toEqual([]);
  },
};
