import type { MssqlMigration } from '../migrate.js';

/**
 * The first catalog schema on SQL Server / Azure SQL. Append-only: a change is a new numbered migration.
 *
 * Each string is one batch (what `GO` separates in SSMS): `CREATE SCHEMA` and `CREATE VIEW` must start a batch.
 * Columns mirror the SQLite schema one for one (a test compares them); times are BIGINT epoch milliseconds so the
 * shared Kysely queries run unchanged, and the SSISDB-named views in schema `catalog` turn them into datetime2 for
 * a DBA's existing queries and reports.
 */
export const epochMsToDatetime2 = (column: string): string =>
  // DATEADD takes an int: minutes since 1970 fit until the year 6053, milliseconds within a minute always do.
  `CASE WHEN ${column} IS NULL THEN NULL ELSE DATEADD(MILLISECOND, ${column} % 60000, DATEADD(MINUTE, ${column} / 60000, CAST('19700101' AS datetime2(3)))) END`;

export const migration0001: MssqlMigration = {
  version: 1,
  name: 'initial',
  batches: [
    `CREATE TABLE dbo.master_properties (
  property_name nvarchar(128) NOT NULL CONSTRAINT pk_master_properties PRIMARY KEY,
  property_value nvarchar(4000) NULL
);`,
    // Every property exists from the start, so writers only ever UPDATE (no upsert race between instances).
    `INSERT INTO dbo.master_properties (property_name, property_value) VALUES
  (N'IS_SCALEOUT_ENABLED', N'false'),
  (N'MASTER_ADDRESS', NULL),
  (N'LAST_ONLINE_TIME', NULL),
  (N'VERSION', NULL),
  (N'RETENTION_WINDOW', N'365'),
  (N'OPERATION_CLEANUP_ENABLED', N'true'),
  (N'LAST_LEASE_SWEEP_TIME', NULL);`,
    `CREATE TABLE dbo.worker_agents (
  worker_agent_id nvarchar(36) NOT NULL CONSTRAINT pk_worker_agents PRIMARY KEY,
  machine_name nvarchar(256) NOT NULL,
  display_name nvarchar(256) NOT NULL,
  description nvarchar(1024) NOT NULL CONSTRAINT df_worker_agents_description DEFAULT N'',
  is_enabled bit NOT NULL CONSTRAINT df_worker_agents_is_enabled DEFAULT 0,
  cert_thumbprint_sha1 nvarchar(40) NULL,
  cert_thumbprint_sha256 nvarchar(64) NULL,
  cert_pem nvarchar(max) NULL,
  cert_not_after bigint NULL,
  max_task_count int NOT NULL CONSTRAINT ck_worker_agents_max_task_count CHECK (max_task_count > 0),
  last_online_time bigint NULL,
  agent_version nvarchar(64) NULL,
  os nvarchar(256) NULL,
  user_account nvarchar(256) NULL,
  created_time bigint NOT NULL,
  CONSTRAINT ck_worker_agents_thumbprint CHECK (cert_thumbprint_sha1 IS NOT NULL OR cert_thumbprint_sha256 IS NOT NULL)
);`,
    `CREATE UNIQUE INDEX ux_worker_agents_sha1 ON dbo.worker_agents (cert_thumbprint_sha1) WHERE cert_thumbprint_sha1 IS NOT NULL;`,
    `CREATE UNIQUE INDEX ux_worker_agents_sha256 ON dbo.worker_agents (cert_thumbprint_sha256) WHERE cert_thumbprint_sha256 IS NOT NULL;`,
    `CREATE TABLE dbo.worker_agent_tags (
  worker_agent_id nvarchar(36) NOT NULL CONSTRAINT fk_worker_agent_tags_worker REFERENCES dbo.worker_agents (worker_agent_id) ON DELETE CASCADE,
  tag nvarchar(64) NOT NULL,
  CONSTRAINT pk_worker_agent_tags PRIMARY KEY (worker_agent_id, tag)
);`,
    `CREATE TABLE dbo.folders (
  folder_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_folders PRIMARY KEY,
  name nvarchar(128) NOT NULL CONSTRAINT ux_folders_name UNIQUE,
  description nvarchar(1024) NOT NULL CONSTRAINT df_folders_description DEFAULT N'',
  created_time bigint NOT NULL
);`,
    `CREATE TABLE dbo.projects (
  project_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_projects PRIMARY KEY,
  folder_id int NOT NULL CONSTRAINT fk_projects_folder REFERENCES dbo.folders (folder_id),
  name nvarchar(128) NOT NULL,
  created_time bigint NOT NULL,
  CONSTRAINT ux_projects_name UNIQUE (folder_id, name)
);`,
    `CREATE TABLE dbo.project_versions (
  project_version_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_project_versions PRIMARY KEY,
  project_id int NOT NULL CONSTRAINT fk_project_versions_project REFERENCES dbo.projects (project_id),
  version_number int NOT NULL,
  archive varbinary(max) NOT NULL,
  archive_sha256 nvarchar(64) NOT NULL,
  archive_size int NOT NULL,
  manifest nvarchar(max) NOT NULL,
  deployed_by nvarchar(256) NOT NULL,
  deployed_time bigint NOT NULL,
  CONSTRAINT ux_project_versions_number UNIQUE (project_id, version_number)
);`,
    `CREATE TABLE dbo.packages (
  package_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_packages PRIMARY KEY,
  project_version_id int NOT NULL CONSTRAINT fk_packages_project_version REFERENCES dbo.project_versions (project_version_id),
  name nvarchar(128) NOT NULL,
  description nvarchar(1024) NOT NULL CONSTRAINT df_packages_description DEFAULT N'',
  runner nvarchar(16) NOT NULL CONSTRAINT ck_packages_runner CHECK (runner IN (N'node', N'process', N'dtexec')),
  entry nvarchar(1024) NOT NULL,
  arguments nvarchar(max) NOT NULL,
  parameters nvarchar(max) NOT NULL,
  timeout_ms int NULL,
  CONSTRAINT ux_packages_name UNIQUE (project_version_id, name)
);`,
    `CREATE TABLE dbo.executions (
  execution_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_executions PRIMARY KEY,
  folder_name nvarchar(128) NOT NULL,
  project_name nvarchar(128) NOT NULL,
  package_name nvarchar(128) NOT NULL,
  project_version_id int NOT NULL CONSTRAINT fk_executions_project_version REFERENCES dbo.project_versions (project_version_id),
  package_id int NOT NULL CONSTRAINT fk_executions_package REFERENCES dbo.packages (package_id),
  status int NOT NULL CONSTRAINT ck_executions_status CHECK (status BETWEEN 1 AND 9),
  run_in_scaleout bit NOT NULL,
  use_any_worker bit NOT NULL,
  retry_count int NOT NULL CONSTRAINT df_executions_retry_count DEFAULT 0 CONSTRAINT ck_executions_retry_count CHECK (retry_count >= 0),
  timeout_ms int NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL,
  start_time bigint NULL,
  end_time bigint NULL,
  status_message nvarchar(4000) NULL,
  parent_execution_id int NULL CONSTRAINT fk_executions_parent REFERENCES dbo.executions (execution_id)
);`,
    `CREATE INDEX ix_executions_status ON dbo.executions (status, execution_id);`,
    `CREATE INDEX ix_executions_end_time ON dbo.executions (end_time) WHERE end_time IS NOT NULL;`,
    `CREATE INDEX ix_executions_parent ON dbo.executions (parent_execution_id) WHERE parent_execution_id IS NOT NULL;`,
    `CREATE TABLE dbo.execution_parameter_values (
  execution_id int NOT NULL CONSTRAINT fk_execution_parameter_values_execution REFERENCES dbo.executions (execution_id) ON DELETE CASCADE,
  parameter_name nvarchar(128) NOT NULL,
  parameter_value nvarchar(max) NULL,
  sensitive bit NOT NULL,
  sensitive_value nvarchar(max) NULL,
  CONSTRAINT pk_execution_parameter_values PRIMARY KEY (execution_id, parameter_name),
  CONSTRAINT ck_execution_parameter_values_sensitive CHECK ((sensitive = 1 AND parameter_value IS NULL) OR (sensitive = 0 AND sensitive_value IS NULL))
);`,
    `CREATE TABLE dbo.execution_workers (
  execution_id int NOT NULL CONSTRAINT fk_execution_workers_execution REFERENCES dbo.executions (execution_id) ON DELETE CASCADE,
  worker_agent_id nvarchar(36) NOT NULL,
  CONSTRAINT pk_execution_workers PRIMARY KEY (execution_id, worker_agent_id)
);`,
    `CREATE TABLE dbo.execution_required_tags (
  execution_id int NOT NULL CONSTRAINT fk_execution_required_tags_execution REFERENCES dbo.executions (execution_id) ON DELETE CASCADE,
  tag nvarchar(64) NOT NULL,
  CONSTRAINT pk_execution_required_tags PRIMARY KEY (execution_id, tag)
);`,
    `CREATE TABLE dbo.tasks (
  task_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_tasks PRIMARY KEY,
  execution_id int NOT NULL CONSTRAINT fk_tasks_execution REFERENCES dbo.executions (execution_id) ON DELETE CASCADE,
  attempt_number int NOT NULL CONSTRAINT ck_tasks_attempt_number CHECK (attempt_number >= 1),
  state nvarchar(16) NOT NULL CONSTRAINT ck_tasks_state CHECK (state IN (N'pending', N'running', N'succeeded', N'failed', N'canceled', N'lost')),
  worker_agent_id nvarchar(36) NULL,
  created_time bigint NOT NULL,
  claimed_time bigint NULL,
  lease_deadline bigint NULL,
  last_heartbeat_time bigint NULL,
  cancel_requested bit NOT NULL CONSTRAINT df_tasks_cancel_requested DEFAULT 0,
  end_time bigint NULL,
  exit_code int NULL,
  result_message nvarchar(4000) NULL,
  CONSTRAINT ux_tasks_attempt UNIQUE (execution_id, attempt_number)
);`,
    // The claim's READPAST scan needs this index: it reads pending tasks oldest first and skips locked rows.
    `CREATE INDEX ix_tasks_pending ON dbo.tasks (task_id) INCLUDE (execution_id, attempt_number) WHERE state = N'pending';`,
    `CREATE INDEX ix_tasks_running_lease ON dbo.tasks (lease_deadline) INCLUDE (execution_id, attempt_number, worker_agent_id) WHERE state = N'running';`,
    `CREATE INDEX ix_tasks_worker_state ON dbo.tasks (worker_agent_id, state);`,
    `CREATE TABLE dbo.event_messages (
  event_message_id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_event_messages PRIMARY KEY,
  execution_id int NOT NULL,
  task_id int NOT NULL,
  sequence_number int NOT NULL,
  message_time bigint NOT NULL,
  message_type int NOT NULL,
  message_source_name nvarchar(256) NOT NULL,
  message nvarchar(max) NOT NULL
);`,
    // IGNORE_DUP_KEY makes a batch delivered twice insert each line once, with the plain INSERT both engines share.
    `CREATE UNIQUE INDEX ux_event_messages_sequence ON dbo.event_messages (task_id, sequence_number) WITH (IGNORE_DUP_KEY = ON);`,
    `CREATE INDEX ix_event_messages_execution ON dbo.event_messages (execution_id, event_message_id);`,
    `CREATE TABLE dbo.api_keys (
  api_key_id nvarchar(32) NOT NULL CONSTRAINT pk_api_keys PRIMARY KEY,
  name nvarchar(128) NOT NULL,
  key_hash nvarchar(64) NOT NULL,
  role nvarchar(16) NOT NULL CONSTRAINT ck_api_keys_role CHECK (role IN (N'admin', N'executor', N'reader')),
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL,
  last_used_time bigint NULL,
  revoked_time bigint NULL
);`,
    `CREATE TABLE dbo.audit_trail (
  audit_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_audit_trail PRIMARY KEY,
  occurred_time bigint NOT NULL,
  actor nvarchar(256) NOT NULL,
  action nvarchar(64) NOT NULL,
  target_type nvarchar(64) NOT NULL,
  target_id nvarchar(256) NOT NULL,
  details nvarchar(max) NOT NULL
);`,
    `CREATE INDEX ix_audit_trail_time ON dbo.audit_trail (occurred_time);`,
    // In Azure the deployment script has created [catalog], owned by dbo (infra/scripts/create-catalog-users.ps1);
    // elsewhere the administrator running the first migration does, with the same owner.
    `IF SCHEMA_ID(N'catalog') IS NULL EXEC (N'CREATE SCHEMA [catalog] AUTHORIZATION [dbo]');`,
    `CREATE VIEW [catalog].master_properties AS
SELECT property_name, property_value
FROM dbo.master_properties;`,
    `CREATE VIEW [catalog].worker_agents AS
SELECT w.worker_agent_id AS WorkerAgentId,
       w.is_enabled AS IsEnabled,
       w.display_name AS DisplayName,
       w.description AS Description,
       w.machine_name AS MachineName,
       (SELECT STRING_AGG(t.tag, N',') FROM dbo.worker_agent_tags t WHERE t.worker_agent_id = w.worker_agent_id) AS Tags,
       w.user_account AS UserAccount,
       ${epochMsToDatetime2('w.last_online_time')} AS LastOnlineTime,
       w.max_task_count AS MaxTaskCount,
       w.cert_thumbprint_sha1 AS CertificateThumbprint
FROM dbo.worker_agents w;`,
    `CREATE VIEW [catalog].executions AS
SELECT e.execution_id,
       e.folder_name,
       e.project_name,
       e.package_name,
       e.project_version_id AS project_lsn,
       e.status,
       e.created_by AS executed_as_name,
       e.run_in_scaleout AS run_in_scaleout,
       e.use_any_worker AS use_any_worker,
       e.retry_count,
       e.parent_execution_id,
       ${epochMsToDatetime2('e.created_time')} AS created_time,
       ${epochMsToDatetime2('e.start_time')} AS start_time,
       ${epochMsToDatetime2('e.end_time')} AS end_time,
       e.status_message
FROM dbo.executions e;`,
    `CREATE VIEW [catalog].event_messages AS
SELECT m.event_message_id,
       m.execution_id AS operation_id,
       ${epochMsToDatetime2('m.message_time')} AS message_time,
       m.message_type,
       m.message,
       e.package_name,
       m.message_source_name,
       m.task_id,
       m.sequence_number
FROM dbo.event_messages m
JOIN dbo.executions e ON e.execution_id = m.execution_id;`,
  ],
};
