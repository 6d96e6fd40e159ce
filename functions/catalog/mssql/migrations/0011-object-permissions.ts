import type { MssqlMigration } from '../migrate.js';

/**
 * Object permissions: the SQL Server side of the SQLite migration 0011 beside it (existing keys keep what their
 * role allowed on existing folders), with SSISDB's two views. Principals are names here (`apikey:<id>`,
 * `entra:<object id>`), not database principal ids: callers reach the catalog through the master, not as database
 * users. `effective_object_permissions` is per principal, a folder's object permissions reaching its projects and
 * environments and a deny beating a grant; the master adds up a caller's own and its groups' the same way.
 */
export const migration0011: MssqlMigration = {
  version: 11,
  name: 'object-permissions',
  batches: [
    `CREATE TABLE dbo.object_permissions (
  object_type smallint NOT NULL CONSTRAINT ck_object_permissions_object_type CHECK (object_type IN (1, 2, 3)),
  object_id bigint NOT NULL,
  principal nvarchar(256) NOT NULL,
  permission_type smallint NOT NULL,
  is_deny bit NOT NULL,
  grantor nvarchar(256) NOT NULL,
  granted_time bigint NOT NULL,
  CONSTRAINT pk_object_permissions PRIMARY KEY (object_type, object_id, principal, permission_type)
);`,
    `CREATE INDEX ix_object_permissions_principal ON dbo.object_permissions (principal);`,
    `INSERT INTO dbo.object_permissions (object_type, object_id, principal, permission_type, is_deny, grantor, granted_time)
SELECT 1, f.folder_id, N'apikey:' + k.api_key_id, r.permission_type, 0, N'migration:0011',
       DATEDIFF_BIG(MILLISECOND, CAST('19700101' AS datetime2(3)), SYSUTCDATETIME())
FROM dbo.folders f
CROSS JOIN dbo.api_keys k
JOIN (VALUES (N'executor', 1), (N'executor', 100), (N'executor', 101), (N'executor', 102), (N'executor', 103),
             (N'reader', 1), (N'reader', 101)) AS r (role, permission_type) ON r.role = k.role
WHERE k.revoked_time IS NULL;`,
    `CREATE VIEW [catalog].explicit_object_permissions AS
SELECT p.object_type,
       p.object_id,
       p.principal AS principal_id,
       p.permission_type,
       p.is_deny,
       p.grantor AS grantor_id
FROM dbo.object_permissions p;`,
    // A folder's READ_OBJECTS, MODIFY_OBJECTS, EXECUTE_OBJECTS and MANAGE_OBJECT_PERMISSIONS (101 to 104) are
    // READ, MODIFY, EXECUTE and MANAGE_PERMISSIONS (1 to 4) on each object in it; EXECUTE applies to projects only.
    `CREATE VIEW [catalog].effective_object_permissions AS
SELECT given.object_type, given.object_id, given.principal AS principal_id, given.permission_type
FROM (
  SELECT p.object_type, p.object_id, p.principal, p.permission_type, CAST(p.is_deny AS int) AS is_deny
  FROM dbo.object_permissions p
  UNION ALL
  SELECT CAST(2 AS smallint), pr.project_id, p.principal, CAST(p.permission_type - 100 AS smallint), CAST(p.is_deny AS int)
  FROM dbo.object_permissions p
  JOIN dbo.projects pr ON pr.folder_id = p.object_id
  WHERE p.object_type = 1 AND p.permission_type IN (101, 102, 103, 104)
  UNION ALL
  SELECT CAST(3 AS smallint), e.environment_id, p.principal, CAST(p.permission_type - 100 AS smallint), CAST(p.is_deny AS int)
  FROM dbo.object_permissions p
  JOIN dbo.environments e ON e.folder_id = p.object_id
  WHERE p.object_type = 1 AND p.permission_type IN (101, 102, 104)
) AS given
GROUP BY given.object_type, given.object_id, given.principal, given.permission_type
HAVING MAX(given.is_deny) = 0;`,
  ],
};
