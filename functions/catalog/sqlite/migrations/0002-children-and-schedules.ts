import type { SqliteMigration } from '../migrate.js';

/**
 * Parent and child executions, and schedules (what SQL Server Agent jobs did).
 * - child_key: a parent names each child it starts; the same key under the same parent returns the existing
 *   child, so a parent retried after its worker died does not start its children twice;
 * - schedule_id: the schedule that started an execution.
 */
export const migration0002: SqliteMigration = {
  version: 2,
  name: 'children-and-schedules',
  sql: `
ALTER TABLE executions ADD COLUMN child_key TEXT;
ALTER TABLE executions ADD COLUMN schedule_id INTEGER;
CREATE UNIQUE INDEX ux_executions_child_key ON executions (parent_execution_id, child_key) WHERE child_key IS NOT NULL;

CREATE TABLE schedules (
  schedule_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  folder_name TEXT NOT NULL,
  project_name TEXT NOT NULL,
  package_name TEXT NOT NULL,
  parameters TEXT NOT NULL,
  sensitive_parameters TEXT,
  worker_agent_ids TEXT NOT NULL,
  required_tags TEXT NOT NULL,
  retry_count INTEGER NOT NULL CHECK (retry_count >= 0),
  timeout_ms INTEGER,
  cron_expression TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  misfire_policy TEXT NOT NULL CHECK (misfire_policy IN ('run-once', 'skip')),
  is_enabled INTEGER NOT NULL CHECK (is_enabled IN (0, 1)),
  next_run_time INTEGER,
  last_run_time INTEGER,
  last_execution_id INTEGER,
  last_error TEXT,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL
);
CREATE INDEX ix_schedules_due ON schedules (next_run_time) WHERE is_enabled = 1;
`,
};
