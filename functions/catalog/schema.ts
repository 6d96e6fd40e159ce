import type { ColumnType, Generated } from 'kysely';

/**
 * The catalog's tables as Kysely sees them. The same queries run on both engines, so the storage types are the
 * common ground of SQLite and SQL Server:
 * - times are epoch milliseconds UTC (`INTEGER` / `BIGINT`); the SSISDB-named views on SQL Server show them as
 *   `datetime2`;
 * - flags are 0/1 (`INTEGER` / `bit`);
 * - lists and objects are JSON text.
 * tedious returns `BIGINT` as a string and `bit` as a boolean, so those columns are typed as what they may be
 * read as, and the row mappers in `rows.ts` normalise them.
 */
export type Int64 = ColumnType<number | string, number, number>;
export type Int64Id = ColumnType<number | string, never, never>;
export type Flag = ColumnType<number | boolean, number, number>;

export interface CatalogTables {
  schema_migrations: SchemaMigrationsTable;
  master_properties: MasterPropertiesTable;
  worker_agents: WorkerAgentsTable;
  worker_agent_tags: WorkerAgentTagsTable;
  folders: FoldersTable;
  projects: ProjectsTable;
  project_versions: ProjectVersionsTable;
  packages: PackagesTable;
  executions: ExecutionsTable;
  execution_parameter_values: ExecutionParameterValuesTable;
  execution_workers: ExecutionWorkersTable;
  execution_required_tags: ExecutionRequiredTagsTable;
  tasks: TasksTable;
  event_messages: EventMessagesTable;
  api_keys: ApiKeysTable;
  enrollment_tokens: EnrollmentTokensTable;
  audit_trail: AuditTrailTable;
  schedules: SchedulesTable;
  idempotency_keys: IdempotencyKeysTable;
  environments: EnvironmentsTable;
  environment_variables: EnvironmentVariablesTable;
  environment_references: EnvironmentReferencesTable;
  object_parameters: ObjectParametersTable;
  object_permissions: ObjectPermissionsTable;
}

/** The migration ledger: one row per applied migration. */
export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_time: Int64;
}

/** SSISDB `catalog.master_properties`: one row per property (IS_SCALEOUT_ENABLED, MASTER_ADDRESS, …). */
export interface MasterPropertiesTable {
  property_name: string;
  property_value: string | null;
}

export interface WorkerAgentsTable {
  worker_agent_id: string;
  machine_name: string;
  display_name: string;
  description: string;
  is_enabled: Flag;
  cert_thumbprint_sha1: string | null;
  cert_thumbprint_sha256: string | null;
  cert_pem: string | null;
  cert_not_after: Int64 | null;
  max_task_count: number;
  last_online_time: Int64 | null;
  /** When a lease of this worker last ran out for silence (migration 0013): offline until heard from again. */
  lease_expired_time: Int64 | null;
  agent_version: string | null;
  os: string | null;
  user_account: string | null;
  created_time: Int64;
}

/** Normalised so the claim can test "has every required tag" with plain SQL on both engines. */
export interface WorkerAgentTagsTable {
  worker_agent_id: string;
  tag: string;
}

export interface FoldersTable {
  folder_id: Generated<number>;
  name: string;
  description: string;
  created_time: Int64;
}

export interface ProjectsTable {
  project_id: Generated<number>;
  folder_id: number;
  name: string;
  created_time: Int64;
  /** The version it runs: the latest deployed, or the one restore_project set back (migration 0010). */
  current_version_number: ColumnType<number, number | undefined, number>;
}

export interface ProjectVersionsTable {
  project_version_id: Generated<number>;
  project_id: number;
  version_number: number;
  /**
   * The archive's bytes for versions deployed before archives moved to Blob Storage, until the master moves them
   * there; empty otherwise.
   */
  archive: Buffer;
  /** Its blob in the archive store (migration 0004); null while the bytes are still in `archive`. */
  archive_name: string | null;
  archive_sha256: string;
  archive_size: number;
  /** The project's manifest as deployed (JSON). */
  manifest: string;
  deployed_by: string;
  deployed_time: Int64;
  /** Who last made it current again with restore_project, and when (SSISDB object_versions). */
  restored_by: string | null;
  last_restored_time: Int64 | null;
  /**
   * When the cleanup removed it (beyond MAX_PROJECT_VERSIONS): its archive is gone from the store, it is neither
   * listed nor run nor restored; the row stays for the executions that ran it.
   */
  removed_time: Int64 | null;
}

export interface PackagesTable {
  package_id: Generated<number>;
  project_version_id: number;
  name: string;
  description: string;
  runner: string;
  entry: string;
  /** JSON array of strings. */
  arguments: string;
  /** JSON array of declared parameters. */
  parameters: string;
  timeout_ms: number | null;
}

export interface ExecutionsTable {
  execution_id: Generated<number>;
  folder_name: string;
  project_name: string;
  package_name: string;
  project_version_id: number;
  package_id: number;
  status: number;
  run_in_scaleout: Flag;
  use_any_worker: Flag;
  retry_count: number;
  timeout_ms: number | null;
  created_by: string;
  created_time: Int64;
  start_time: Int64 | null;
  end_time: Int64 | null;
  status_message: string | null;
  parent_execution_id: number | null;
  /** The parent's name for this child: unique per parent, so a retried parent finds the child it already started. */
  child_key: string | null;
  schedule_id: number | null;
}

/** SSISDB `execution_parameter_values`. Sensitive values are stored only encrypted, in `sensitive_value`. */
export interface ExecutionParameterValuesTable {
  execution_id: number;
  parameter_name: string;
  /** JSON of the value; `null` when sensitive. */
  parameter_value: string | null;
  sensitive: Flag;
  /** The value's JSON, encrypted by the catalog's value cipher. */
  sensitive_value: string | null;
}

/** SSISDB `add_execution_worker`: the workers allowed to run an execution that does not use any worker. */
export interface ExecutionWorkersTable {
  execution_id: number;
  worker_agent_id: string;
}

export interface ExecutionRequiredTagsTable {
  execution_id: number;
  tag: string;
}

/** One row per attempt. `attempt_number` is the fencing token every worker report carries. */
export interface TasksTable {
  task_id: Generated<number>;
  execution_id: number;
  attempt_number: number;
  state: string;
  worker_agent_id: string | null;
  created_time: Int64;
  claimed_time: Int64 | null;
  lease_deadline: Int64 | null;
  last_heartbeat_time: Int64 | null;
  cancel_requested: Flag;
  end_time: Int64 | null;
  exit_code: number | null;
  result_message: string | null;
  /** When the execution was queued (its first attempt's created_time): the claim takes the oldest first. */
  queued_time: Int64;
  /** The worker's id for the claim that leased this attempt (migration 0005). */
  claim_id: string | null;
  /** The worker's display name, written when the worker is removed (migration 0012). */
  worker_display_name: string | null;
}

/** Deduplicated on (task_id, sequence_number): a batch delivered twice stores each line once. */
export interface EventMessagesTable {
  event_message_id: Int64Id;
  execution_id: number;
  task_id: number;
  sequence_number: number;
  message_time: Int64;
  message_type: number;
  message_source_name: string;
  message: string;
}

/** The secret part of a key is never stored: only its SHA-256. */
export interface ApiKeysTable {
  api_key_id: string;
  name: string;
  key_hash: string;
  role: string;
  created_by: string;
  created_time: Int64;
  last_used_time: Int64 | null;
  revoked_time: Int64 | null;
}

/** A worker's one-time (or few-times) registration token; like an API key, only the secret's SHA-256 is kept. */
export interface EnrollmentTokensTable {
  token_id: string;
  token_hash: string;
  created_by: string;
  created_time: Int64;
  expires_time: Int64;
  max_uses: number;
  use_count: ColumnType<number, number | undefined, number>;
  /** JSON array: the tags the enrolled worker gets. */
  tags: string;
  max_task_count: number | null;
  enable_worker: Flag;
  last_used_time: Int64 | null;
  revoked_time: Int64 | null;
}

export interface AuditTrailTable {
  audit_id: Generated<number>;
  occurred_time: Int64;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON object. */
  details: string;
}

/** What SQL Server Agent jobs did: run a package on a cron expression in a time zone. */
export interface SchedulesTable {
  schedule_id: Generated<number>;
  name: string;
  folder_name: string;
  project_name: string;
  package_name: string;
  /** JSON object of the non-sensitive parameter values. */
  parameters: string;
  /** The sensitive values' JSON object, encrypted by the value cipher; NULL when there are none. */
  sensitive_parameters: string | null;
  /** JSON arrays. */
  worker_agent_ids: string;
  required_tags: string;
  retry_count: number;
  timeout_ms: number | null;
  cron_expression: string;
  time_zone: string;
  misfire_policy: string;
  is_enabled: Flag;
  /** When it fires next; NULL while disabled. */
  next_run_time: Int64 | null;
  last_run_time: Int64 | null;
  last_execution_id: number | null;
  /** Why the last run could not start an execution, if it could not. */
  last_error: string | null;
  created_by: string;
  created_time: Int64;
  /** The environment reference its executions resolve their parameters from (migration 0009). */
  reference_id: number | null;
}

/** An Idempotency-Key, per caller and operation, with what the write it guarded did (see operations/idempotency-keys.ts). */
export interface IdempotencyKeysTable {
  actor: string;
  operation: string;
  idempotency_key: string;
  /** SHA-256 (hex) of the request's parameters and body: the same key with another request is refused. */
  request_hash: string;
  /** JSON of what the write created, encrypted by the value cipher (a new API key's secret is in it). */
  result: string;
  /** The answer's JSON body as first sent, encrypted; NULL until it was sent (the master may stop in between). */
  response_body: string | null;
  created_time: Int64;
}

/** SSISDB `catalog.environments`: a named set of variables in a folder (migration 0009). */
export interface EnvironmentsTable {
  environment_id: Generated<number>;
  folder_id: number;
  name: string;
  description: string;
  created_by: string;
  created_time: Int64;
}

/** SSISDB `catalog.environment_variables`. A sensitive value is stored only encrypted, in `sensitive_value`. */
export interface EnvironmentVariablesTable {
  variable_id: Generated<number>;
  environment_id: number;
  name: string;
  description: string;
  /** A parameter data type (String, Int32, …). */
  data_type: string;
  sensitive: Flag;
  /** JSON of the value; NULL when sensitive. */
  value: string | null;
  /** The value's JSON, encrypted by the value cipher. */
  sensitive_value: string | null;
}

/** SSISDB `catalog.environment_references`: `R` relative (the project's folder, folder name NULL), `A` absolute. */
export interface EnvironmentReferencesTable {
  reference_id: Generated<number>;
  project_id: number;
  reference_type: string;
  environment_folder_name: string | null;
  environment_name: string;
  created_by: string;
  created_time: Int64;
}

/**
 * SSISDB `catalog.object_parameters`, the values set on a deployed project (set_object_parameter_value): kept per
 * project, not per version, so a new deployment keeps them. `V` holds a literal (encrypted when the parameter is
 * sensitive), `R` the name of an environment variable.
 */
export interface ObjectParametersTable {
  project_id: number;
  /** SSISDB's object type: 20 project, 30 package. */
  object_type: number;
  object_name: string;
  parameter_name: string;
  value_type: string;
  value: string | null;
  sensitive_value: string | null;
  referenced_variable_name: string | null;
}

/**
 * SSISDB `catalog.explicit_object_permissions` (migration 0011): one grant or deny of a permission type on a
 * folder (1), project (2) or environment (3) to a principal (`apikey:<id>` or `entra:<object id>`).
 */
export interface ObjectPermissionsTable {
  object_type: number;
  object_id: number;
  principal: string;
  permission_type: number;
  is_deny: Flag;
  grantor: string;
  granted_time: Int64;
}
