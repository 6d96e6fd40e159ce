-- ===== migration 1: initial
CREATE TABLE dbo.master_properties (
  property_name nvarchar(128) NOT NULL CONSTRAINT pk_master_properties PRIMARY KEY,
  property_value nvarchar(4000) NULL
);
GO

INSERT INTO dbo.master_properties (property_name, property_value) VALUES
  (N'IS_SCALEOUT_ENABLED', N'false'),
  (N'MASTER_ADDRESS', NULL),
  (N'LAST_ONLINE_TIME', NULL),
  (N'VERSION', NULL),
  (N'RETENTION_WINDOW', N'365'),
  (N'OPERATION_CLEANUP_ENABLED', N'true'),
  (N'LAST_LEASE_SWEEP_TIME', NULL);
GO

CREATE TABLE dbo.worker_agents (
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
);
GO

CREATE UNIQUE INDEX ux_worker_agents_sha1 ON dbo.worker_agents (cert_thumbprint_sha1) WHERE cert_thumbprint_sha1 IS NOT NULL;
GO

CREATE UNIQUE INDEX ux_worker_agents_sha256 ON dbo.worker_agents (cert_thumbprint_sha256) WHERE cert_thumbprint_sha256 IS NOT NULL;
GO

CREATE TABLE dbo.worker_agent_tags (
  worker_agent_id nvarchar(36) NOT NULL CONSTRAINT fk_worker_agent_tags_worker REFERENCES dbo.worker_agents (worker_agent_id) ON DELETE CASCADE,
  tag nvarchar(64) NOT NULL,
  CONSTRAINT pk_worker_agent_tags PRIMARY KEY (worker_agent_id, tag)
);
GO

CREATE TABLE dbo.folders (
  folder_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_folders PRIMARY KEY,
  name nvarchar(128) NOT NULL CONSTRAINT ux_folders_name UNIQUE,
  description nvarchar(1024) NOT NULL CONSTRAINT df_folders_description DEFAULT N'',
  created_time bigint NOT NULL
);
GO

CREATE TABLE dbo.projects (
  project_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_projects PRIMARY KEY,
  folder_id int NOT NULL CONSTRAINT fk_projects_folder REFERENCES dbo.folders (folder_id),
  name nvarchar(128) NOT NULL,
  created_time bigint NOT NULL,
  CONSTRAINT ux_projects_name UNIQUE (folder_id, name)
);
GO

CREATE TABLE dbo.project_versions (
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
);
GO

CREATE TABLE dbo.packages (
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
);
GO

CREATE TABLE dbo.executions (
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
);
GO

CREATE INDEX ix_executions_status ON dbo.executions (status, execution_id);
GO

CREATE INDEX ix_executions_end_time ON dbo.executions (end_time) WHERE end_time IS NOT NULL;
GO

CREATE INDEX ix_executions_parent ON dbo.executions (parent_execution_id) WHERE parent_execution_id IS NOT NULL;
GO

CREATE TABLE dbo.execution_parameter_values (
  execution_id int NOT NULL CONSTRAINT fk_execution_parameter_values_execution REFERENCES dbo.executions (execution_id) ON DELETE CASCADE,
  parameter_name nvarchar(128) NOT NULL,
  parameter_value nvarchar(max) NULL,
  sensitive bit NOT NULL,
  sensitive_value nvarchar(max) NULL,
  CONSTRAINT pk_execution_parameter_values PRIMARY KEY (execution_id, parameter_name),
  CONSTRAINT ck_execution_parameter_values_sensitive CHECK ((sensitive = 1 AND parameter_value IS NULL) OR (sensitive = 0 AND sensitive_value IS NULL))
);
GO

CREATE TABLE dbo.execution_workers (
  execution_id int NOT NULL CONSTRAINT fk_execution_workers_execution REFERENCES dbo.executions (execution_id) ON DELETE CASCADE,
  worker_agent_id nvarchar(36) NOT NULL,
  CONSTRAINT pk_execution_workers PRIMARY KEY (execution_id, worker_agent_id)
);
GO

CREATE TABLE dbo.execution_required_tags (
  execution_id int NOT NULL CONSTRAINT fk_execution_required_tags_execution REFERENCES dbo.executions (execution_id) ON DELETE CASCADE,
  tag nvarchar(64) NOT NULL,
  CONSTRAINT pk_execution_required_tags PRIMARY KEY (execution_id, tag)
);
GO

CREATE TABLE dbo.tasks (
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
);
GO

CREATE INDEX ix_tasks_pending ON dbo.tasks (task_id) INCLUDE (execution_id, attempt_number) WHERE state = N'pending';
GO

CREATE INDEX ix_tasks_running_lease ON dbo.tasks (lease_deadline) INCLUDE (execution_id, attempt_number, worker_agent_id) WHERE state = N'running';
GO

CREATE INDEX ix_tasks_worker_state ON dbo.tasks (worker_agent_id, state);
GO

CREATE TABLE dbo.event_messages (
  event_message_id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_event_messages PRIMARY KEY,
  execution_id int NOT NULL,
  task_id int NOT NULL,
  sequence_number int NOT NULL,
  message_time bigint NOT NULL,
  message_type int NOT NULL,
  message_source_name nvarchar(256) NOT NULL,
  message nvarchar(max) NOT NULL
);
GO

CREATE UNIQUE INDEX ux_event_messages_sequence ON dbo.event_messages (task_id, sequence_number) WITH (IGNORE_DUP_KEY = ON);
GO

CREATE INDEX ix_event_messages_execution ON dbo.event_messages (execution_id, event_message_id);
GO

CREATE TABLE dbo.api_keys (
  api_key_id nvarchar(32) NOT NULL CONSTRAINT pk_api_keys PRIMARY KEY,
  name nvarchar(128) NOT NULL,
  key_hash nvarchar(64) NOT NULL,
  role nvarchar(16) NOT NULL CONSTRAINT ck_api_keys_role CHECK (role IN (N'admin', N'executor', N'reader')),
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL,
  last_used_time bigint NULL,
  revoked_time bigint NULL
);
GO

CREATE TABLE dbo.audit_trail (
  audit_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_audit_trail PRIMARY KEY,
  occurred_time bigint NOT NULL,
  actor nvarchar(256) NOT NULL,
  action nvarchar(64) NOT NULL,
  target_type nvarchar(64) NOT NULL,
  target_id nvarchar(256) NOT NULL,
  details nvarchar(max) NOT NULL
);
GO

CREATE INDEX ix_audit_trail_time ON dbo.audit_trail (occurred_time);
GO

IF SCHEMA_ID(N'catalog') IS NULL EXEC (N'CREATE SCHEMA [catalog] AUTHORIZATION [dbo]');
GO

CREATE VIEW [catalog].master_properties AS
SELECT property_name, property_value
FROM dbo.master_properties;
GO

CREATE VIEW [catalog].worker_agents AS
SELECT w.worker_agent_id AS WorkerAgentId,
       w.is_enabled AS IsEnabled,
       w.display_name AS DisplayName,
       w.description AS Description,
       w.machine_name AS MachineName,
       (SELECT STRING_AGG(t.tag, N',') FROM dbo.worker_agent_tags t WHERE t.worker_agent_id = w.worker_agent_id) AS Tags,
       w.user_account AS UserAccount,
       CASE WHEN w.last_online_time IS NULL THEN NULL ELSE DATEADD(MILLISECOND, w.last_online_time % 60000, DATEADD(MINUTE, w.last_online_time / 60000, CAST('19700101' AS datetime2(3)))) END AS LastOnlineTime,
       w.max_task_count AS MaxTaskCount,
       w.cert_thumbprint_sha1 AS CertificateThumbprint
FROM dbo.worker_agents w;
GO

CREATE VIEW [catalog].executions AS
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
       CASE WHEN e.created_time IS NULL THEN NULL ELSE DATEADD(MILLISECOND, e.created_time % 60000, DATEADD(MINUTE, e.created_time / 60000, CAST('19700101' AS datetime2(3)))) END AS created_time,
       CASE WHEN e.start_time IS NULL THEN NULL ELSE DATEADD(MILLISECOND, e.start_time % 60000, DATEADD(MINUTE, e.start_time / 60000, CAST('19700101' AS datetime2(3)))) END AS start_time,
       CASE WHEN e.end_time IS NULL THEN NULL ELSE DATEADD(MILLISECOND, e.end_time % 60000, DATEADD(MINUTE, e.end_time / 60000, CAST('19700101' AS datetime2(3)))) END AS end_time,
       e.status_message
FROM dbo.executions e;
GO

CREATE VIEW [catalog].event_messages AS
SELECT m.event_message_id,
       m.execution_id AS operation_id,
       CASE WHEN m.message_time IS NULL THEN NULL ELSE DATEADD(MILLISECOND, m.message_time % 60000, DATEADD(MINUTE, m.message_time / 60000, CAST('19700101' AS datetime2(3)))) END AS message_time,
       m.message_type,
       m.message,
       e.package_name,
       m.message_source_name,
       m.task_id,
       m.sequence_number
FROM dbo.event_messages m
JOIN dbo.executions e ON e.execution_id = m.execution_id;
GO

-- ===== migration 2: children-and-schedules
ALTER TABLE dbo.executions ADD child_key nvarchar(128) NULL;
GO

ALTER TABLE dbo.executions ADD schedule_id int NULL;
GO

CREATE UNIQUE INDEX ux_executions_child_key ON dbo.executions (parent_execution_id, child_key) WHERE child_key IS NOT NULL;
GO

CREATE TABLE dbo.schedules (
  schedule_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_schedules PRIMARY KEY,
  name nvarchar(128) NOT NULL CONSTRAINT ux_schedules_name UNIQUE,
  folder_name nvarchar(128) NOT NULL,
  project_name nvarchar(128) NOT NULL,
  package_name nvarchar(128) NOT NULL,
  parameters nvarchar(max) NOT NULL,
  sensitive_parameters nvarchar(max) NULL,
  worker_agent_ids nvarchar(max) NOT NULL,
  required_tags nvarchar(max) NOT NULL,
  retry_count int NOT NULL CONSTRAINT ck_schedules_retry_count CHECK (retry_count >= 0),
  timeout_ms int NULL,
  cron_expression nvarchar(128) NOT NULL,
  time_zone nvarchar(64) NOT NULL,
  misfire_policy nvarchar(16) NOT NULL CONSTRAINT ck_schedules_misfire CHECK (misfire_policy IN (N'run-once', N'skip')),
  is_enabled bit NOT NULL,
  next_run_time bigint NULL,
  last_run_time bigint NULL,
  last_execution_id int NULL,
  last_error nvarchar(4000) NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL
);
GO

CREATE INDEX ix_schedules_due ON dbo.schedules (next_run_time) WHERE is_enabled = 1;
GO

-- ===== migration 3: fair-order
ALTER TABLE dbo.tasks ADD queued_time bigint NOT NULL CONSTRAINT df_tasks_queued_time DEFAULT 0;
GO

UPDATE dbo.tasks SET queued_time = (SELECT MIN(f.created_time) FROM dbo.tasks f WHERE f.execution_id = dbo.tasks.execution_id);
GO

DROP INDEX ix_tasks_pending ON dbo.tasks;
GO

CREATE INDEX ix_tasks_pending ON dbo.tasks (queued_time, task_id) INCLUDE (execution_id, attempt_number) WHERE state = N'pending';
GO

-- ===== migration 4: archives-in-blob-storage
ALTER TABLE dbo.project_versions ADD archive_name nvarchar(1024) NULL;
GO

-- ===== migration 5: claim-ids
ALTER TABLE dbo.tasks ADD claim_id nvarchar(64) NULL;
GO

-- ===== migration 6: idempotency-keys
CREATE TABLE dbo.idempotency_keys (
  actor nvarchar(256) NOT NULL,
  operation nvarchar(64) NOT NULL,
  idempotency_key nvarchar(128) NOT NULL,
  request_hash nvarchar(64) NOT NULL,
  result nvarchar(max) NOT NULL,
  response_body nvarchar(max) NULL,
  created_time bigint NOT NULL,
  CONSTRAINT pk_idempotency_keys PRIMARY KEY (actor, operation, idempotency_key)
);
GO

CREATE INDEX ix_idempotency_keys_created ON dbo.idempotency_keys (created_time);
GO

-- ===== migration 8: enrollment-tokens
CREATE TABLE dbo.enrollment_tokens (
  token_id nvarchar(32) NOT NULL CONSTRAINT pk_enrollment_tokens PRIMARY KEY,
  token_hash nvarchar(64) NOT NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL,
  expires_time bigint NOT NULL,
  max_uses int NOT NULL CONSTRAINT ck_enrollment_tokens_max_uses CHECK (max_uses >= 1),
  use_count int NOT NULL CONSTRAINT df_enrollment_tokens_use_count DEFAULT 0,
  tags nvarchar(max) NOT NULL,
  max_task_count int NULL,
  enable_worker bit NOT NULL,
  last_used_time bigint NULL,
  revoked_time bigint NULL
);
GO

-- ===== migration 9: environments
CREATE TABLE dbo.environments (
  environment_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_environments PRIMARY KEY,
  folder_id int NOT NULL CONSTRAINT fk_environments_folder REFERENCES dbo.folders (folder_id),
  name nvarchar(128) NOT NULL,
  description nvarchar(1024) NOT NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL,
  CONSTRAINT ux_environments_folder_name UNIQUE (folder_id, name)
);
GO

CREATE TABLE dbo.environment_variables (
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
);
GO

CREATE TABLE dbo.environment_references (
  reference_id int IDENTITY(1, 1) NOT NULL CONSTRAINT pk_environment_references PRIMARY KEY,
  project_id int NOT NULL CONSTRAINT fk_environment_references_project REFERENCES dbo.projects (project_id),
  reference_type nchar(1) NOT NULL CONSTRAINT ck_environment_references_type CHECK (reference_type IN (N'R', N'A')),
  environment_folder_name nvarchar(128) NULL,
  environment_name nvarchar(128) NOT NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL
);
GO

CREATE INDEX ix_environment_references_project ON dbo.environment_references (project_id);
GO

CREATE TABLE dbo.object_parameters (
  project_id int NOT NULL CONSTRAINT fk_object_parameters_project REFERENCES dbo.projects (project_id),
  object_type smallint NOT NULL,
  object_name nvarchar(260) NOT NULL,
  parameter_name nvarchar(128) NOT NULL,
  value_type nchar(1) NOT NULL CONSTRAINT ck_object_parameters_value_type CHECK (value_type IN (N'V', N'R')),
  value nvarchar(max) NULL,
  sensitive_value nvarchar(max) NULL,
  referenced_variable_name nvarchar(128) NULL,
  CONSTRAINT pk_object_parameters PRIMARY KEY (project_id, object_type, object_name, parameter_name)
);
GO

ALTER TABLE dbo.schedules ADD reference_id int NULL;
GO

CREATE VIEW [catalog].environments AS
SELECT e.environment_id,
       e.name,
       e.folder_id,
       e.description,
       e.created_by AS created_by_name,
       CASE WHEN e.created_time IS NULL THEN NULL ELSE DATEADD(MILLISECOND, e.created_time % 60000, DATEADD(MINUTE, e.created_time / 60000, CAST('19700101' AS datetime2(3)))) END AS created_time
FROM dbo.environments e;
GO

CREATE VIEW [catalog].environment_variables AS
SELECT v.variable_id,
       v.environment_id,
       v.name,
       v.description,
       v.data_type AS type,
       v.sensitive,
       v.value
FROM dbo.environment_variables v;
GO

CREATE VIEW [catalog].environment_references AS
SELECT r.reference_id,
       r.project_id,
       r.reference_type,
       r.environment_folder_name,
       r.environment_name,
       N'N' AS validation_status,
       CAST(NULL AS datetime2(3)) AS last_validation_time
FROM dbo.environment_references r;
GO

CREATE VIEW [catalog].object_parameters AS
SELECT o.project_id,
       o.object_type,
       o.object_name,
       o.parameter_name,
       o.value_type,
       CASE WHEN o.sensitive_value IS NULL THEN 0 ELSE 1 END AS sensitive,
       o.value AS default_value,
       CAST(1 AS bit) AS value_set,
       o.referenced_variable_name
FROM dbo.object_parameters o;
GO

-- ===== migration 10: project-versions
ALTER TABLE dbo.projects ADD current_version_number int NOT NULL CONSTRAINT df_projects_current_version_number DEFAULT 0;
GO

UPDATE dbo.projects SET current_version_number =
  (SELECT MAX(v.version_number) FROM dbo.project_versions v WHERE v.project_id = dbo.projects.project_id);
GO

ALTER TABLE dbo.project_versions ADD restored_by nvarchar(256) NULL;
GO

ALTER TABLE dbo.project_versions ADD last_restored_time bigint NULL;
GO

ALTER TABLE dbo.project_versions ADD removed_time bigint NULL;
GO

INSERT INTO dbo.master_properties (property_name, property_value) VALUES (N'MAX_PROJECT_VERSIONS', N'10');
GO

CREATE VIEW [catalog].object_versions AS
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
WHERE v.removed_time IS NULL;
GO

-- ===== migration 11: object-permissions
CREATE TABLE dbo.object_permissions (
  object_type smallint NOT NULL CONSTRAINT ck_object_permissions_object_type CHECK (object_type IN (1, 2, 3)),
  object_id bigint NOT NULL,
  principal nvarchar(256) NOT NULL,
  permission_type smallint NOT NULL,
  is_deny bit NOT NULL,
  grantor nvarchar(256) NOT NULL,
  granted_time bigint NOT NULL,
  CONSTRAINT pk_object_permissions PRIMARY KEY (object_type, object_id, principal, permission_type)
);
GO

CREATE INDEX ix_object_permissions_principal ON dbo.object_permissions (principal);
GO

INSERT INTO dbo.object_permissions (object_type, object_id, principal, permission_type, is_deny, grantor, granted_time)
SELECT 1, f.folder_id, N'apikey:' + k.api_key_id, r.permission_type, 0, N'migration:0011',
       DATEDIFF_BIG(MILLISECOND, CAST('19700101' AS datetime2(3)), SYSUTCDATETIME())
FROM dbo.folders f
CROSS JOIN dbo.api_keys k
JOIN (VALUES (N'executor', 1), (N'executor', 100), (N'executor', 101), (N'executor', 102), (N'executor', 103),
             (N'reader', 1), (N'reader', 101)) AS r (role, permission_type) ON r.role = k.role
WHERE k.revoked_time IS NULL;
GO

CREATE VIEW [catalog].explicit_object_permissions AS
SELECT p.object_type,
       p.object_id,
       p.principal AS principal_id,
       p.permission_type,
       p.is_deny,
       p.grantor AS grantor_id
FROM dbo.object_permissions p;
GO

CREATE VIEW [catalog].effective_object_permissions AS
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
HAVING MAX(given.is_deny) = 0;
GO

-- ===== migration 12: removed-worker-names
ALTER TABLE dbo.tasks ADD worker_display_name nvarchar(256) NULL;
GO

-- ===== migration 13: worker-lease-expired-time
ALTER TABLE dbo.worker_agents ADD lease_expired_time bigint NULL;
GO
