import * as z from 'zod';
import { CatalogName, Timestamp } from '../common.js';
import { defineEndpoint } from '../endpoint.js';
import { PermissionName, Principal, SecurableType } from './object-permissions.js';

/**
 * Object permissions (SSISDB grant_permission, deny_permission, revoke_permission,
 * catalog.explicit_object_permissions, catalog.effective_object_permissions). Granting needs MANAGE_PERMISSIONS
 * on the object (an admin holds every permission).
 */

const reader = { kind: 'management', role: 'reader' } as const;
const executor = { kind: 'management', role: 'executor' } as const;

export const PermissionRequest = z.object({
  objectType: SecurableType,
  folderName: CatalogName,
  /** The project's or environment's name; omitted for a folder. */
  objectName: CatalogName.optional(),
  principal: Principal,
  permission: PermissionName,
});

export const ExplicitPermissionView = z
  .object({
    objectType: SecurableType,
    objectId: z.int(),
    folderName: z.string(),
    objectName: z.string().nullable(),
    principal: z.string(),
    permission: PermissionName,
    /** SSISDB's permission_type number. */
    permissionType: z.int(),
    isDeny: z.boolean(),
    grantor: z.string(),
    grantedTime: Timestamp,
  })
  .meta({ id: 'ExplicitPermission' });
export type ExplicitPermissionView = z.infer<typeof ExplicitPermissionView>;

export const EffectivePermissionsView = z
  .object({
    objectType: SecurableType,
    objectId: z.int(),
    folderName: z.string(),
    objectName: z.string().nullable(),
    permissions: z.array(PermissionName),
  })
  .meta({ id: 'EffectivePermissions' });
export type EffectivePermissionsView = z.infer<typeof EffectivePermissionsView>;

export const grantPermission = defineEndpoint({
  operationId: 'grantPermission',
  method: 'POST',
  path: '/v1/permissions/grant',
  summary: 'Grant a permission on a folder, project or environment to an API key or an Entra user or group (SSISDB grant_permission).',
  access: executor,
  body: PermissionRequest,
  response: ExplicitPermissionView,
});

export const denyPermission = defineEndpoint({
  operationId: 'denyPermission',
  method: 'POST',
  path: '/v1/permissions/deny',
  summary: 'Deny a permission (SSISDB deny_permission): a deny beats any grant, to a group or through the folder.',
  access: executor,
  body: PermissionRequest,
  response: ExplicitPermissionView,
});

export const revokePermission = defineEndpoint({
  operationId: 'revokePermission',
  method: 'POST',
  path: '/v1/permissions/revoke',
  summary: 'Remove a grant or a deny (SSISDB revoke_permission).',
  access: executor,
  body: PermissionRequest,
  response: null,
});

export const listPermissions = defineEndpoint({
  operationId: 'listPermissions',
  method: 'GET',
  path: '/v1/permissions',
  summary: 'Grants and denies (catalog.explicit_object_permissions) on the objects the caller may read, of one folder with `folder`.',
  access: reader,
  query: z.object({ folder: CatalogName.optional() }),
  response: z.object({ permissions: z.array(ExplicitPermissionView) }),
});

export const getMyPermissions = defineEndpoint({
  operationId: 'getMyPermissions',
  method: 'GET',
  path: '/v1/me/permissions',
  summary: "What the caller may do on each object (catalog.effective_object_permissions), by its own and its groups' permissions.",
  access: reader,
  response: z.object({
    principals: z.array(z.string()),
    /** True for an admin: every permission on every object. */
    allPermissions: z.boolean(),
    permissions: z.array(EffectivePermissionsView),
  }),
});

export const permissionEndpoints = [grantPermission, denyPermission, revokePermission, listPermissions, getMyPermissions] as const;
