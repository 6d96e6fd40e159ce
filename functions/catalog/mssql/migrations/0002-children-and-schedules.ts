import type { MssqlMigration } from '../migrate.js';

/** Parent and child executions, and schedules: the SQL Server side of the SQLite migration 0002 beside it. */
export const migration0002: MssqlMigration = {
  version: 2,
  name: 'children-and-schedules',
  batches: [
    `ALTER TABLE dbo.executions ADD child_key nvarchar(128) NULL;`,
    `ALTER TABLE dbo.executions ADD schedule_id int NULL;`,
    `CREATE UNIQUE INDEX ux_executions_child_key ON dbo.executions (parent_execution_id, child_key) WHERE child_key IS NOT NULL;`,
    `CREATE TABLE dbo.schedules (
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
);`,
    `CREATE INDEX ix_schedules_due ON dbo.schedules (next_run_time) WHERE is_enabled = 1;`,
  ],
};
