import {
  applicableTo,
  folderObjectPermissions,
  permissionTypeNumbers,
  Principal,
  securableTypeNumbers,
  type PermissionName,
  type SecurableType,
} from '../../../contracts/management/object-permissions.js';
import type { Catalog, PermissionInput, SecurableRef } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { EffectivePermissions, ExplicitPermission } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { flag, num } from '../rows.js';
import { audit } from './audit.js';

/** A folder, project or environment with its name and its folder's. */
interface Securable {
  objectType: SecurableType;
  objectId: number;
  folderId: number;
  folderName: string;
  objectName: string | null;
}

interface PermissionRow {
  object_type: number;
  object_id: number;
  principal: string;
  permission_type: number;
  is_deny: number | boolean;
  grantor: string;
  granted_time: number | string;
}

const permissionNameOf = new Map(Object.entries(permissionTypeNumbers).map(([name, n]) => [n, name as PermissionName]));
const securableKey = (objectType: SecurableType | number, objectId: number) =>
  `${typeof objectType === 'number' ? objectType : securableTypeNumbers[objectType]}:${objectId}`;

/** How an object is named in messages and the audit trail: `Finance`, `Finance/ETL`. */
export function securablePath(ref: { folderName: string; objectName?: string | null | undefined }): string {
  return ref.objectName ? `${ref.folderName}/${ref.objectName}` : ref.folderName;
}

/** What the creator of an object gets on it, so that whoever deploys a project or creates an environment can use it. */
const creatorPermissions: Record<SecurableType, PermissionName[]> = {
  folder: ['READ', 'MODIFY', 'MANAGE_PERMISSIONS', 'CREATE_OBJECTS', 'READ_OBJECTS', 'MODIFY_OBJECTS', 'EXECUTE_OBJECTS', 'MANAGE_OBJECT_PERMISSIONS'],
  project: ['READ', 'MODIFY', 'EXECUTE', 'MANAGE_PERMISSIONS'],
  environment: ['READ', 'MODIFY', 'MANAGE_PERMISSIONS'],
};

/**
 * Gives the creator of a new folder, project or environment every permission that applies to it, in the creating
 * transaction, with one audit entry. Nothing for an admin (`creator` undefined): ssis_admin needs none.
 */
export async function grantCreatorPermissions(
  ctx: CatalogContext,
  trx: CatalogTrx,
  securable: { objectType: SecurableType; objectId: number; path: string },
  creator: string | undefined,
  actor: string,
): Promise<void> {
  if (creator === undefined) return;
  const permissions = creatorPermissions[securable.objectType];
  await trx
    .insertInto('object_permissions')
    .values(
      permissions.map((permission) => ({
        object_type: securableTypeNumbers[securable.objectType],
        object_id: securable.objectId,
        principal: creator,
        permission_type: permissionTypeNumbers[permission],
        is_deny: 0,
        grantor: actor,
        granted_time: ctx.clock.now(),
      })),
    )
    .execute();
  await audit(ctx, trx, {
    actor,
    action: 'grant-permission',
    targetType: securable.objectType,
    targetId: securable.path,
    details: { principal: creator, permissions, reason: 'creator' },
  });
}

async function loadSecurables(db: CatalogDb | CatalogTrx): Promise<Securable[]> {
  const folders = await db.selectFrom('folders').select(['folder_id', 'name']).orderBy('name').execute();
  const folderNames = new Map(folders.map((f) => [f.folder_id, f.name]));
  const projects = await db.selectFrom('projects').select(['project_id', 'folder_id', 'name']).orderBy('name').execute();
  const environments = await db.selectFrom('environments').select(['environment_id', 'folder_id', 'name']).orderBy('name').execute();
  return [
    ...folders.map((f) => ({ objectType: 'folder' as const, objectId: f.folder_id, folderId: f.folder_id, folderName: f.name, objectName: null })),
    ...projects.map((p) => ({
      objectType: 'project' as const,
      objectId: p.project_id,
      folderId: p.folder_id,
      folderName: folderNames.get(p.folder_id) ?? '',
      objectName: p.name,
    })),
    ...environments.map((e) => ({
      objectType: 'environment' as const,
      objectId: e.environment_id,
      folderId: e.folder_id,
      folderName: folderNames.get(e.folder_id) ?? '',
      objectName: e.name,
    })),
  ];
}

/** The object a request names, or NotFoundError naming it. */
async function findSecurable(db: CatalogDb | CatalogTrx, ref: SecurableRef): Promise<Securable> {
  const folder = await db.selectFrom('folders').select(['folder_id', 'name']).where('name', '=', ref.folderName).executeTakeFirst();
  const path = securablePath(ref);
  if (!folder) throw new NotFoundError('folder', ref.folderName);
  const base = { folderId: folder.folder_id, folderName: folder.name };
  if (ref.objectType === 'folder') return { ...base, objectType: 'folder', objectId: folder.folder_id, objectName: null };
  if (ref.objectName === undefined) throw new ValidationError('objectName', `a ${ref.objectType} is named inside its folder`);
  const row =
    ref.objectType === 'project'
      ? await db
          .selectFrom('projects')
          .select(['project_id as id', 'name'])
          .where('folder_id', '=', folder.folder_id)
          .where('name', '=', ref.objectName)
          .executeTakeFirst()
      : await db
          .selectFrom('environments')
          .select(['environment_id as id', 'name'])
          .where('folder_id', '=', folder.folder_id)
          .where('name', '=', ref.objectName)
          .executeTakeFirst();
  if (!row) throw new NotFoundError(ref.objectType, path);
  return { ...base, objectType: ref.objectType, objectId: row.id, objectName: row.name };
}

/**
 * The permissions a set of principals (a caller and its groups) hold on each object: what is granted to any of
 * them on the object, or through its folder's object permissions, unless one of them is denied it the same
 * ways. A deny beats a grant, as in SSISDB.
 */
export function effectivePermissions(securables: readonly Securable[], rows: readonly PermissionRow[]): EffectivePermissions[] {
  const given = new Map<string, { granted: Set<PermissionName>; denied: Set<PermissionName> }>();
  const on = (key: string) => {
    let entry = given.get(key);
    if (!entry) given.set(key, (entry = { granted: new Set(), denied: new Set() }));
    return entry;
  };
  for (const row of rows) {
    const permission = permissionNameOf.get(row.permission_type);
    if (!permission) continue;
    on(securableKey(row.object_type, num(row.object_id)))[flag(row.is_deny) ? 'denied' : 'granted'].add(permission);
  }
  const result: EffectivePermissions[] = [];
  for (const securable of securables) {
    const own = given.get(securableKey(securable.objectType, securable.objectId));
    const folder = securable.objectType === 'folder' ? undefined : given.get(securableKey('folder', securable.folderId));
    const granted = new Set(own?.granted);
    const denied = new Set(own?.denied);
    for (const [folderPermission, objectPermission] of Object.entries(folderObjectPermissions) as [PermissionName, PermissionName][]) {
      if (!applicableTo[objectPermission].includes(securable.objectType)) continue;
      if (folder?.granted.has(folderPermission)) granted.add(objectPermission);
      if (folder?.denied.has(folderPermission)) denied.add(objectPermission);
    }
    const permissions = PermissionOrder.filter((p) => granted.has(p) && !denied.has(p));
    if (permissions.length === 0) continue;
    const { objectType, objectId, folderName, objectName } = securable;
    result.push({ objectType, objectId, folderName, objectName, permissions });
  }
  return result;
}

const PermissionOrder = Object.keys(permissionTypeNumbers) as PermissionName[];

/** Entra object ids are GUIDs, the same whatever their case: kept in lowercase, as callers' are compared. */
const normalPrincipal = (principal: string) => (principal.startsWith('entra:') ? principal.toLowerCase() : principal);

async function checkPrincipal(trx: CatalogTrx, principal: string): Promise<void> {
  if (!Principal.safeParse(principal).success) {
    throw new ValidationError('principal', 'must be apikey:<API key id> or entra:<object id of an Entra user or group>');
  }
  if (principal.startsWith('apikey:')) {
    const apiKeyId = principal.slice('apikey:'.length);
    const key = await trx.selectFrom('api_keys').select('api_key_id').where('api_key_id', '=', apiKeyId).executeTakeFirst();
    if (!key) throw new ValidationError('principal', `there is no API key '${apiKeyId}'`);
  }
}

function checkApplicable(ref: SecurableRef, permission: PermissionName): void {
  if (!applicableTo[permission].includes(ref.objectType)) {
    throw new ValidationError('permission', `${permission} does not apply to a ${ref.objectType}; it applies to a ${applicableTo[permission].join(' or ')}`);
  }
}

function toExplicitPermission(row: PermissionRow, securable: Securable): ExplicitPermission {
  return {
    objectType: securable.objectType,
    objectId: securable.objectId,
    folderName: securable.folderName,
    objectName: securable.objectName,
    principal: row.principal,
    permission: permissionNameOf.get(row.permission_type)!,
    permissionType: row.permission_type,
    isDeny: flag(row.is_deny),
    grantor: row.grantor,
    grantedTime: num(row.granted_time),
  };
}

/** Removes one principal's grant or deny of one permission on one object. */
async function deletePermission(
  trx: CatalogTrx,
  key: { objectType: number; objectId: number; principal: string; permissionType: number },
): Promise<void> {
  await trx
    .deleteFrom('object_permissions')
    .where('object_type', '=', key.objectType)
    .where('object_id', '=', key.objectId)
    .where('principal', '=', key.principal)
    .where('permission_type', '=', key.permissionType)
    .execute();
}

export function objectPermissionOperations(
  ctx: CatalogContext,
): Pick<Catalog, 'grantPermission' | 'denyPermission' | 'revokePermission' | 'listExplicitPermissions' | 'getEffectivePermissions'> {
  /** grant_permission and deny_permission: one row per object, principal and permission, the last word kept. */
  const give = (isDeny: boolean) => (request: PermissionInput, actor: string) =>
    ctx.engine.transaction(async (trx) => {
      const input = { ...request, principal: normalPrincipal(request.principal) };
      checkApplicable(input.object, input.permission);
      const securable = await findSecurable(trx, input.object);
      await checkPrincipal(trx, input.principal);
      const objectType = securableTypeNumbers[securable.objectType];
      const permissionType = permissionTypeNumbers[input.permission];
      await deletePermission(trx, { objectType, objectId: securable.objectId, principal: input.principal, permissionType });
      const row = {
        object_type: objectType,
        object_id: securable.objectId,
        principal: input.principal,
        permission_type: permissionType,
        is_deny: isDeny ? 1 : 0,
        grantor: actor,
        granted_time: ctx.clock.now(),
      };
      await trx.insertInto('object_permissions').values(row).execute();
      await audit(ctx, trx, {
        actor,
        action: isDeny ? 'deny-permission' : 'grant-permission',
        targetType: securable.objectType,
        targetId: securablePath(securable),
        details: { principal: input.principal, permission: input.permission },
      });
      return toExplicitPermission(row, securable);
    });

  return {
    grantPermission: give(false),
    denyPermission: give(true),

    revokePermission: (request, actor) =>
      ctx.engine.transaction(async (trx) => {
        const input = { ...request, principal: normalPrincipal(request.principal) };
        const securable = await findSecurable(trx, input.object);
        const objectType = securableTypeNumbers[securable.objectType];
        const permissionType = permissionTypeNumbers[input.permission];
        const existing = await trx
          .selectFrom('object_permissions')
          .select('is_deny')
          .where('object_type', '=', objectType)
          .where('object_id', '=', securable.objectId)
          .where('principal', '=', input.principal)
          .where('permission_type', '=', permissionType)
          .executeTakeFirst();
        const path = securablePath(securable);
        if (!existing) throw new NotFoundError('permission', `${input.permission} of ${input.principal} on ${securable.objectType} ${path}`);
        await deletePermission(trx, { objectType, objectId: securable.objectId, principal: input.principal, permissionType });
        await audit(ctx, trx, {
          actor,
          action: 'revoke-permission',
          targetType: securable.objectType,
          targetId: path,
          details: { principal: input.principal, permission: input.permission, wasDeny: flag(existing.is_deny) },
        });
      }),

    listExplicitPermissions: (folderName) =>
      ctx.engine.read(async (db) => {
        const securables = (await loadSecurables(db)).filter((s) => folderName === undefined || s.folderName.toLowerCase() === folderName.toLowerCase());
        if (folderName !== undefined && securables.length === 0) throw new NotFoundError('folder', folderName);
        const byKey = new Map(securables.map((s) => [securableKey(s.objectType, s.objectId), s]));
        const rows = await db.selectFrom('object_permissions').selectAll().orderBy('object_type').orderBy('object_id').orderBy('principal').orderBy('permission_type').execute();
        return rows.flatMap((row) => {
          const securable = byKey.get(securableKey(row.object_type, num(row.object_id)));
          return securable ? [toExplicitPermission(row, securable)] : [];
        });
      }),

    getEffectivePermissions: (principals) =>
      ctx.engine.read(async (db) => {
        if (principals.length === 0) return [];
        const rows = await db.selectFrom('object_permissions').selectAll().where('principal', 'in', [...principals]).execute();
        if (rows.length === 0) return [];
        return effectivePermissions(await loadSecurables(db), rows);
      }),
  };
}

/** Removes the permissions given on an object that is being deleted, in its deleting transaction. */
export async function deletePermissionsOn(trx: CatalogTrx, objectType: SecurableType, objectId: number): Promise<void> {
  await trx.deleteFrom('object_permissions').where('object_type', '=', securableTypeNumbers[objectType]).where('object_id', '=', objectId).execute();
}
