import type { MssqlMigration } from '../migrate.js';

/** Project versions: the SQL Server side of the SQLite migration 0010 beside it, with SSISDB's view. */
export const migration0010: MssqlMigration = {
  version: 10,
  name: 'project-versions',
  batches: [
    `ALTER TABLE dbo.projects ADD current_version_number int NOT NULL CONSTRAINT df_projects_current_version_number DEFAULT 0;`,
    `UPDATE dbo.projects SET current_version_number =
  (SELECT MAX(v.version_number) FROM dbo.project_versions v WHERE v.project_id = dbo.projects.project_id);`,
    `ALTER TABLE dbo.project_versions ADD restored_by nvarchar(256) NULL;`,
    `ALTER TABLE dbo.project_versions ADD last_restored_time bigint NULL;`,
    `ALTER TABLE dbo.project_versions ADD removed_time bigint NULL;`,
    `INSERT INTO dbo.master_properties (property_name, property_value) VALUES (N'MAX_PROJECT_VERSIONS', N'10');`,
    // SSISDB's object_versions: object_type 20 is a project; object_version_lsn is the version's own id.
    `CREATE VIEW [catalog].object_versions AS
SELECT v.project_version_id AS object_version_lsn,
       v.project_id AS object_id,
       CAST(20 AS smallint) AS object_type,
       p.name AS object_name,
       f.name AS folder_name,
       v.version_number,
       v.deployed_by AS created_by,
       DATEADD(MILLISECOND, v.deployed_time % 60000, DATEADD(MINUTE, v.deployed_time / 60000, CAST('19700101' AS datetime2(3)))) AS created_time,
       v.restored_by,
       CASE WHEN v.last_restored_time IS NULL THEN NULL
            ELSE DATEADD(MILLISECOND, v.last_restored_time % 60000, DATEADD(MINUTE, v.last_restored_time / 60000, CAST('19700101' AS datetime2(3)))) END
         AS last_restored_time,
       CAST(CASE WHEN v.version_number = p.current_version_number THEN 1 ELSE 0 END AS bit) AS is_current
FROM dbo.project_versions v
JOIN dbo.projects p ON p.project_id = v.project_id
JOIN dbo.folders f ON f.folder_id = p.folder_id
WHERE v.removed_time IS NULL;`,
  ],
};
