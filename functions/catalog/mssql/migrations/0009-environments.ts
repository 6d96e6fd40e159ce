import type { MssqlMigration } from '../migrate.js';
import { epochMsToDatetime2 } from './0001-initial.js';

/**
 * Environments, references and object parameters: the SQL Server side of the SQLite migration 0009 beside it,
 * with SSISDB's views of them. Sensitive values never reach a view: `value` is NULL for them, as in SSISDB.
 */
export const migration0009: MssqlMigration = {
  version: 9,
  name: 'environments',
  batches: [
    `CREATE TABLE dbo.environments (
  environment_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_environments PRIMARY KEY,
  folder_id int NOT NULL CONSTRAINT fk_environments_folder REFERENCES dbo.folders (folder_id),
  name nvarchar(128) NOT NULL,
  description nvarchar(1024) NOT NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL,
  CONSTRAINT ux_environments_folder_name UNIQUE (folder_id, name)
);`,
    `CREATE TABLE dbo.environment_variables (
  variable_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_environment_variables PRIMARY KEY,
  environment_id int NOT NULL CONSTRAINT fk_environment_variables_environment REFERENCES dbo.environments (environment_id),
  name nvarchar(128) NOT NULL,
  description nvarchar(1024) NOT NULL,
  data_type nvarchar(16) NOT NULL,
  sensitive bit NOT NULL,
  value nvarchar(max) NULL,
  sensitive_value nvarchar(max) NULL,
  CONSTRAINT ux_environment_variables_name UNIQUE (environment_id, name),
  CONSTRAINT ck_environment_variables_sensitive CHECK ((sensitive = 1 AND value IS NULL) OR (sensitive = 0 AND sensitive_value IS NULL))
);`,
    `CREATE TABLE dbo.environment_references (
  reference_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_environment_references PRIMARY KEY,
  project_id int NOT NULL CONSTRAINT fk_environment_references_project REFERENCES dbo.projects (project_id),
  reference_type nchar(1) NOT NULL CONSTRAINT ck_environment_references_type CHECK (reference_type IN (N'R', N'A')),
  environment_folder_name nvarchar(128) NULL,
  environment_name nvarchar(128) NOT NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL
);`,
    `CREATE INDEX ix_environment_references_project ON dbo.environment_references (project_id);`,
    `CREATE TABLE dbo.object_parameters (
  project_id int NOT NULL CONSTRAINT fk_object_parameters_project REFERENCES dbo.projects (project_id),
  object_type smallint NOT NULL,
  object_name nvarchar(260) NOT NULL,
  parameter_name nvarchar(128) NOT NULL,
  value_type nchar(1) NOT NULL CONSTRAINT ck_object_parameters_value_type CHECK (value_type IN (N'V', N'R')),
  value nvarchar(max) NULL,
  sensitive_value nvarchar(max) NULL,
  referenced_variable_name nvarchar(128) NULL,
  CONSTRAINT pk_object_parameters PRIMARY KEY (project_id, object_type, object_name, parameter_name)
);`,
    `ALTER TABLE dbo.schedules ADD reference_id int NULL;`,
    `CREATE VIEW [catalog].environments AS
SELECT e.environment_id,
       e.name,
       e.folder_id,
       e.description,
       e.created_by AS created_by_name,
       ${epochMsToDatetime2('e.created_time')} AS created_time
FROM dbo.environments e;`,
    `CREATE VIEW [catalog].environment_variables AS
SELECT v.variable_id,
       v.environment_id,
       v.name,
       v.description,
       v.data_type AS type,
       v.sensitive,
       v.value
FROM dbo.environment_variables v;`,
    `CREATE VIEW [catalog].environment_references AS
SELECT r.reference_id,
       r.project_id,
       r.reference_type,
       r.environment_folder_name,
       r.environment_name,
       N'N' AS validation_status,
       CAST(NULL AS datetime2(3)) AS last_validation_time
FROM dbo.environment_references r;`,
    `CREATE VIEW [catalog].object_parameters AS
SELECT o.project_id,
       o.object_type,
       o.object_name,
       o.parameter_name,
       o.value_type,
       CASE WHEN o.sensitive_value IS NULL THEN 0 ELSE 1 END AS sensitive,
       o.value AS default_value,
       CAST(1 AS bit) AS value_set,
       o.referenced_variable_name
FROM dbo.object_parameters o;`,
  ],
};
