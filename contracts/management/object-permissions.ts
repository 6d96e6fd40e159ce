import * as z from 'zod';

/**
 * SSISDB's object permissions (catalog.grant_permission, deny_permission, revoke_permission): the securable
 * objects, the permission types with SSISDB's numbers, and which apply to which object. Shared by the master, the
 * CLI and the dashboard so that a name, a number or a rule cannot differ between them.
 */

/** SSISDB @object_type: folder 1, project 2, environment 3 (operations, 4, follow their project here). */
export const SecurableType = z.enum(['folder', 'project', 'environment']);
export type SecurableType = z.infer<typeof SecurableType>;

export const securableTypeNumbers: Record<SecurableType, number> = { folder: 1, project: 2, environment: 3 };

export const PermissionName = z.enum([
  'READ',
  'MODIFY',
  'EXECUTE',
  'MANAGE_PERMISSIONS',
  'CREATE_OBJECTS',
  'READ_OBJECTS',
  'MODIFY_OBJECTS',
  'EXECUTE_OBJECTS',
  'MANAGE_OBJECT_PERMISSIONS',
]);
export type PermissionName = z.infer<typeof PermissionName>;

/** SSISDB @permission_type. */
export const permissionTypeNumbers: Record<PermissionName, number> = {
  READ: 1,
  MODIFY: 2,
  EXECUTE: 3,
  MANAGE_PERMISSIONS: 4,
  CREATE_OBJECTS: 100,
  READ_OBJECTS: 101,
  MODIFY_OBJECTS: 102,
  EXECUTE_OBJECTS: 103,
  MANAGE_OBJECT_PERMISSIONS: 104,
};

/** SSISDB's "applicable object types" of each permission. */
export const applicableTo: Record<PermissionName, readonly SecurableType[]> = {
  READ: ['folder', 'project', 'environment'],
  MODIFY: ['folder', 'project', 'environment'],
  EXECUTE: ['project'],
  MANAGE_PERMISSIONS: ['folder', 'project', 'environment'],
  CREATE_OBJECTS: ['folder'],
  READ_OBJECTS: ['folder'],
  MODIFY_OBJECTS: ['folder'],
  EXECUTE_OBJECTS: ['folder'],
  MANAGE_OBJECT_PERMISSIONS: ['folder'],
};

/** A folder's object permission and the permission it gives on every project and environment in the folder. */
export const folderObjectPermissions: Partial<Record<PermissionName, PermissionName>> = {
  READ_OBJECTS: 'READ',
  MODIFY_OBJECTS: 'MODIFY',
  EXECUTE_OBJECTS: 'EXECUTE',
  MANAGE_OBJECT_PERMISSIONS: 'MANAGE_PERMISSIONS',
};

/**
 * Who a permission is for: an API key (`apikey:<id>`), or an Entra user or group by its object id
 * (`entra:<object id>`, from App Service authentication's principal).
 */
export const Principal = z
  .string()
  .regex(
    /^(apikey:[A-Za-z0-9]+|entra:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/,
    'must be apikey:<API key id> or entra:<object id of an Entra user or group>',
  );
