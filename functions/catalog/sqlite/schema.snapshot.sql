CREATE TABLE api_keys (
  api_key_id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'executor', 'reader')),
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  last_used_time INTEGER,
  revoked_time INTEGER
);

CREATE TABLE audit_trail (
  audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
  occurred_time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  details TEXT NOT NULL
);

CREATE TABLE enrollment_tokens (
  token_id TEXT NOT NULL PRIMARY KEY,
  token_hash TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  expires_time INTEGER NOT NULL,
  max_uses INTEGER NOT NULL CHECK (max_uses >= 1),
  use_count INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL,
  max_task_count INTEGER,
  enable_worker INTEGER NOT NULL CHECK (enable_worker IN (0, 1)),
  last_used_time INTEGER,
  revoked_time INTEGER
);

CREATE TABLE environment_references (
  reference_id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (project_id),
  reference_type TEXT NOT NULL CHECK (reference_type IN ('R', 'A')),
  environment_folder_name TEXT,
  environment_name TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL
);

CREATE TABLE environment_variables (
  variable_id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment_id INTEGER NOT NULL REFERENCES environments (environment_id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  data_type TEXT NOT NULL,
  sensitive INTEGER NOT NULL CHECK (sensitive IN (0, 1)),
  value TEXT,
  sensitive_value TEXT
);

CREATE TABLE environments (
  environment_id INTEGER PRIMARY KEY AUTOINCREMENT,
  folder_id INTEGER NOT NULL REFERENCES folders (folder_id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL
);

CREATE TABLE event_messages (
  event_message_id INTEGER PRIMARY KEY AUTOINCREMENT,
  execution_id INTEGER NOT NULL,
  task_id INTEGER NOT NULL,
  sequence_number INTEGER NOT NULL,
  message_time INTEGER NOT NULL,
  message_type INTEGER NOT NULL,
  message_source_name TEXT NOT NULL,
  message TEXT NOT NULL,
  UNIQUE (task_id, sequence_number)
);

CREATE TABLE execution_parameter_values (
  execution_id INTEGER NOT NULL REFERENCES executions (execution_id) ON DELETE CASCADE,
  parameter_name TEXT NOT NULL COLLATE NOCASE,
  parameter_value TEXT,
  sensitive INTEGER NOT NULL CHECK (sensitive IN (0, 1)),
  sensitive_value TEXT,
  PRIMARY KEY (execution_id, parameter_name),
  CHECK ((sensitive = 1 AND parameter_value IS NULL) OR (sensitive = 0 AND sensitive_value IS NULL))
);

CREATE TABLE execution_required_tags (
  execution_id INTEGER NOT NULL REFERENCES executions (execution_id) ON DELETE CASCADE,
  tag TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (execution_id, tag)
);

CREATE TABLE execution_workers (
  execution_id INTEGER NOT NULL REFERENCES executions (execution_id) ON DELETE CASCADE,
  worker_agent_id TEXT NOT NULL,
  PRIMARY KEY (execution_id, worker_agent_id)
);

CREATE TABLE executions (
  execution_id INTEGER PRIMARY KEY AUTOINCREMENT,
  folder_name TEXT NOT NULL,
  project_name TEXT NOT NULL,
  package_name TEXT NOT NULL,
  project_version_id INTEGER NOT NULL REFERENCES project_versions (project_version_id),
  package_id INTEGER NOT NULL REFERENCES packages (package_id),
  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 9),
  run_in_scaleout INTEGER NOT NULL CHECK (run_in_scaleout IN (0, 1)),
  use_any_worker INTEGER NOT NULL CHECK (use_any_worker IN (0, 1)),
  retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  timeout_ms INTEGER,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  start_time INTEGER,
  end_time INTEGER,
  status_message TEXT,
  parent_execution_id INTEGER REFERENCES executions (execution_id)
, child_key TEXT, schedule_id INTEGER);

CREATE TABLE folders (
  folder_id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  created_time INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
  actor TEXT NOT NULL,
  operation TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  response_body TEXT,
  created_time INTEGER NOT NULL,
  PRIMARY KEY (actor, operation, idempotency_key)
);

CREATE TABLE master_properties (
  property_name TEXT NOT NULL PRIMARY KEY,
  property_value TEXT
);

CREATE TABLE object_parameters (
  project_id INTEGER NOT NULL REFERENCES projects (project_id),
  object_type INTEGER NOT NULL,
  object_name TEXT NOT NULL,
  parameter_name TEXT NOT NULL,
  value_type TEXT NOT NULL CHECK (value_type IN ('V', 'R')),
  value TEXT,
  sensitive_value TEXT,
  referenced_variable_name TEXT,
  PRIMARY KEY (project_id, object_type, object_name, parameter_name)
);

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

CREATE TABLE packages (
  package_id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_version_id INTEGER NOT NULL REFERENCES project_versions (project_version_id),
  name TEXT NOT NULL COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  runner TEXT NOT NULL CHECK (runner IN ('node', 'process', 'dtexec')),
  entry TEXT NOT NULL,
  arguments TEXT NOT NULL,
  parameters TEXT NOT NULL,
  timeout_ms INTEGER,
  UNIQUE (project_version_id, name)
);

CREATE TABLE project_versions (
  project_version_id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (project_id),
  version_number INTEGER NOT NULL,
  archive BLOB NOT NULL,
  archive_sha256 TEXT NOT NULL,
  archive_size INTEGER NOT NULL,
  manifest TEXT NOT NULL,
  deployed_by TEXT NOT NULL,
  deployed_time INTEGER NOT NULL, archive_name TEXT, restored_by TEXT, last_restored_time INTEGER, removed_time INTEGER,
  UNIQUE (project_id, version_number)
);

CREATE TABLE projects (
  project_id INTEGER PRIMARY KEY AUTOINCREMENT,
  folder_id INTEGER NOT NULL REFERENCES folders (folder_id),
  name TEXT NOT NULL COLLATE NOCASE,
  created_time INTEGER NOT NULL, current_version_number INTEGER NOT NULL DEFAULT 0,
  UNIQUE (folder_id, name)
);

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
, reference_id INTEGER);

CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_time INTEGER NOT NULL);

CREATE TABLE tasks (
  task_id INTEGER PRIMARY KEY AUTOINCREMENT,
  execution_id INTEGER NOT NULL REFERENCES executions (execution_id) ON DELETE CASCADE,
  attempt_number INTEGER NOT NULL CHECK (attempt_number >= 1),
  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'canceled', 'lost')),
  worker_agent_id TEXT,
  created_time INTEGER NOT NULL,
  claimed_time INTEGER,
  lease_deadline INTEGER,
  last_heartbeat_time INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  end_time INTEGER,
  exit_code INTEGER,
  result_message TEXT, queued_time INTEGER NOT NULL DEFAULT 0, claim_id TEXT, worker_display_name TEXT,
  UNIQUE (execution_id, attempt_number)
);

CREATE TABLE worker_agent_tags (
  worker_agent_id TEXT NOT NULL REFERENCES worker_agents (worker_agent_id) ON DELETE CASCADE,
  tag TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (worker_agent_id, tag)
);

CREATE TABLE worker_agents (
  worker_agent_id TEXT NOT NULL PRIMARY KEY,
  machine_name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  is_enabled INTEGER NOT NULL DEFAULT 0 CHECK (is_enabled IN (0, 1)),
  cert_thumbprint_sha1 TEXT,
  cert_thumbprint_sha256 TEXT,
  cert_pem TEXT,
  cert_not_after INTEGER,
  max_task_count INTEGER NOT NULL CHECK (max_task_count > 0),
  last_online_time INTEGER,
  agent_version TEXT,
  os TEXT,
  user_account TEXT,
  created_time INTEGER NOT NULL, lease_expired_time INTEGER,
  CHECK (cert_thumbprint_sha1 IS NOT NULL OR cert_thumbprint_sha256 IS NOT NULL)
);

CREATE INDEX ix_audit_trail_time ON audit_trail (occurred_time);

CREATE INDEX ix_environment_references_project ON environment_references (project_id);

CREATE INDEX ix_event_messages_execution ON event_messages (execution_id, event_message_id);

CREATE INDEX ix_executions_end_time ON executions (end_time) WHERE end_time IS NOT NULL;

CREATE INDEX ix_executions_parent ON executions (parent_execution_id) WHERE parent_execution_id IS NOT NULL;

CREATE INDEX ix_executions_status ON executions (status, execution_id);

CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_time);

CREATE INDEX ix_object_permissions_principal ON object_permissions (principal);

CREATE INDEX ix_schedules_due ON schedules (next_run_time) WHERE is_enabled = 1;

CREATE INDEX ix_tasks_pending ON tasks (queued_time, task_id) WHERE state = 'pending';

CREATE INDEX ix_tasks_running_lease ON tasks (lease_deadline) WHERE state = 'running';

CREATE INDEX ix_tasks_worker_state ON tasks (worker_agent_id, state);

CREATE UNIQUE INDEX ux_environment_variables_name ON environment_variables (environment_id, name);

CREATE UNIQUE INDEX ux_environments_folder_name ON environments (folder_id, name);

CREATE UNIQUE INDEX ux_executions_child_key ON executions (parent_execution_id, child_key) WHERE child_key IS NOT NULL;

CREATE UNIQUE INDEX ux_worker_agents_sha1 ON worker_agents (cert_thumbprint_sha1) WHERE cert_thumbprint_sha1 IS NOT NULL;

CREATE UNIQUE INDEX ux_worker_agents_sha256 ON worker_agents (cert_thumbprint_sha256) WHERE cert_thumbprint_sha256 IS NOT NULL;
