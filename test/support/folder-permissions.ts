import { grantPermission } from '../../contracts/management/permission-endpoints.js';
import type { PermissionName } from '../../contracts/management/object-permissions.js';
import type { TestMaster } from './test-master.js';

/** What migration 0011 gave each existing key on each folder, by its role: a test's key gets the same. */
const folderPermissionsOf: Record<'executor' | 'reader', PermissionName[]> = {
  executor: ['READ', 'CREATE_OBJECTS', 'READ_OBJECTS', 'MODIFY_OBJECTS', 'EXECUTE_OBJECTS'],
  reader: ['READ', 'READ_OBJECTS'],
};

/** Grants an API key, as the admin, what its role used to allow on each folder. */
export async function grantFolders(master: TestMaster, apiKeyId: string, role: 'executor' | 'reader', folderNames: string[]): Promise<void> {
  for (const folderName of folderNames) {
    for (const permission of folderPermissionsOf[role]) {
      await master.admin(grantPermission, { body: { objectType: 'folder', folderName, principal: `apikey:${apiKeyId}`, permission } });
    }
  }
}
