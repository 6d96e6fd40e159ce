import {
  denyPermission,
  getMyPermissions,
  grantPermission,
  listPermissions,
  revokePermission,
  type ExplicitPermissionView,
  type PermissionRequest,
} from '../../../contracts/management/permission-endpoints.js';
import type { z } from 'zod';
import type { PermissionInput } from '../../catalog/catalog.js';
import type { ExplicitPermission } from '../../catalog/domain.js';
import { defineHandler } from '../../http/define-handler.js';
import { iso } from '../views.js';

function toPermissionInput(body: z.output<typeof PermissionRequest>): PermissionInput {
  return {
    object: { objectType: body.objectType, folderName: body.folderName, objectName: body.objectName },
    principal: body.principal,
    permission: body.permission,
  };
}

const toView = (permission: ExplicitPermission): ExplicitPermissionView => ({ ...permission, grantedTime: iso(permission.grantedTime) });

// Giving or taking a permission on an object needs MANAGE_PERMISSIONS on it (SSISDB: ASSIGN_PERMISSIONS or ssis_admin).
export const grantPermissionFunction = defineHandler(grantPermission, async ({ body, caller, permissions }, { catalog }) => {
  const input = toPermissionInput(body);
  await permissions.require('MANAGE_PERMISSIONS', input.object);
  return toView(await catalog.grantPermission(input, caller.actor));
});

export const denyPermissionFunction = defineHandler(denyPermission, async ({ body, caller, permissions }, { catalog }) => {
  const input = toPermissionInput(body);
  await permissions.require('MANAGE_PERMISSIONS', input.object);
  return toView(await catalog.denyPermission(input, caller.actor));
});

export const revokePermissionFunction = defineHandler(revokePermission, async ({ body, caller, permissions }, { catalog }) => {
  const input = toPermissionInput(body);
  await permissions.require('MANAGE_PERMISSIONS', input.object);
  await catalog.revokePermission(input, caller.actor);
  return undefined;
});

export const listPermissionsFunction = defineHandler(listPermissions, async ({ query, permissions }, { catalog }) => ({
  permissions: (
    await permissions.readable(await catalog.listExplicitPermissions(query.folder), (p) => ({
      objectType: p.objectType,
      folderName: p.folderName,
      objectName: p.objectName ?? undefined,
    }))
  ).map(toView),
}));

export const getMyPermissionsFunction = defineHandler(getMyPermissions, async ({ caller, permissions }) => ({
  principals: caller.principals,
  allPermissions: permissions.isAdmin,
  permissions: await permissions.list(),
}));

export const permissionFunctions = [
  grantPermissionFunction,
  denyPermissionFunction,
  revokePermissionFunction,
  listPermissionsFunction,
  getMyPermissionsFunction,
] as const;
