import type { SqliteMigration } from '../migrate.js';

/**
 * SSISDB object permissions (grant_permission, deny_permission, revoke_permission): one row per grant or deny of
 * a permission type on a folder (1), project (2) or environment (3) to a principal. So that executor and reader
 * keys keep what their role gave them before, each existing key gets, on each existing folder, what its role
 * allowed there: an executor READ, CREATE_OBJECTS, READ_OBJECTS, MODIFY_OBJECTS and EXECUTE_OBJECTS; a reader
 * READ and READ_OBJECTS. Admins need none (ssis_admin holds every right).
 */
export const migration0011: SqliteMigration = {
  version: 11,
  name: 'object-permissions',
  sql: `
CREATE TABLE object_permissions (
  object_type INTEGER NOT NULL CHECK (object_type IN (1, 2, 3)),
  object_id INTEGER NOT NULL,
  principal TEXT NOT NULL,
  permission_type INTEGER NOT NULL,
  is_deny INTEGER NOT NULL CHECK (is_deny IN (0, 1)),
  grantor TEXT NOT NULL,
  granted_time INTEGER NOT NULL,
  PRIMARY KEY (object_type, object_id, principal, permission_type)
);
CREATE INDEX ix_object_permissions_principal ON object_permissions (principal);
INSERT INTO object_permissions (object_type, object_id, principal, permission_type, is_deny, grantor, granted_time)
SELECT 1, f.folder_id, 'apikey:' || k.api_key_id, r.column2, 0, 'migration:0011',
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
FROM folders f
CROSS JOIN api_keys k
JOIN (VALUES ('executor', 1), ('executor', 100), ('executor', 101), ('executor', 102), ('executor', 103),
             ('reader', 1), ('reader', 101)) r ON r.column1 = k.role
WHERE k.revoked_time IS NULL;
`,
};
