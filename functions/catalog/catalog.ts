import type {
  ApiKey,
  ApiKeyRole,
  AuditEntry,
  EffectivePermissions,
  EnrollmentToken,
  Environment,
  ExplicitPermission,
  EnvironmentReference,
  EnvironmentVariable,
  ObjectParameter,
  ObjectParameterValueType,
  ParameterDataType,
  ClaimedTask,
  DeclaredParameter,
  EventMessage,
  Execution,
  ExecutionStatus,
  ExecutionSummary,
  Folder,
  CatalogProperty,
  MasterProperties,
  NewEventMessage,
  PackageRunner,
  MisfirePolicy,
  Page,
  Schedule,
  ParameterValue,
  ProjectVersion,
  RemovedProjectVersion,
  Task,
  TaskOutcome,
  WorkerAgent,
  WorkerAvailability,
} from './domain.js';
import type { PermissionName, SecurableType } from '../../contracts/management/object-permissions.js';

/**
 * The catalog port: every operation the master needs, in SSISDB's terms. One implementation (`createCatalog`)
 * serves both engines; each state change is one short transaction and every worker report is fenced by its
 * attempt number.
 *
 * `actor` is who asked, as recorded in the audit trail and `created_by` (e.g. `apikey:ab12cd34`).
 */
export interface Catalog {
  // Master (SSISDB: enable_scaleout, catalog.master_properties)
  getMasterProperties(): Promise<MasterProperties>;
  enableScaleOut(actor: string): Promise<void>;
  /** Writes the master's last online time, address and version. Idempotent. */
  recordMasterHeartbeat(input: { masterAddress: string; version: string }): Promise<void>;
  /** RETENTION_WINDOW in days, OPERATION_CLEANUP_ENABLED. */
  getCleanupSettings(): Promise<{ retentionWindowDays: number; cleanupEnabled: boolean }>;
  /** SSISDB catalog.catalog_properties: the settings among the master properties, with what each means. */
  listCatalogProperties(): Promise<CatalogProperty[]>;
  /** SSISDB configure_catalog: sets one, validated by its own rule (ValidationError), audited; the list after. */
  configureCatalog(actor: string, propertyName: string, value: string): Promise<CatalogProperty[]>;

  // Worker agents (SSISDB: catalog.worker_agents, enable/disable_worker_agent, set_worker_agent_property)
  addWorkerAgent(input: AddWorkerAgentInput, actor: string): Promise<WorkerAgent>;
  /** Removes the worker; tasks it was running are released as if its lease had expired. */
  removeWorkerAgent(workerAgentId: string, actor: string): Promise<void>;
  enableWorkerAgent(workerAgentId: string, actor: string): Promise<WorkerAgent>;
  disableWorkerAgent(workerAgentId: string, actor: string): Promise<WorkerAgent>;
  setWorkerAgentProperty(workerAgentId: string, changes: WorkerAgentChanges, actor: string): Promise<WorkerAgent>;
  getWorkerAgent(workerAgentId: string): Promise<WorkerAgent>;
  /** By SHA-256 or SHA-1 thumbprint (hex, any case); `undefined` when no worker has it. */
  findWorkerAgentByThumbprint(thumbprint: string): Promise<WorkerAgent | undefined>;
  listWorkerAgents(): Promise<WorkerAgent[]>;
  /**
   * What a pending execution's waiting reason reads: IS_SCALEOUT_ENABLED and the workers, in one statement while
   * any worker is registered.
   */
  getScaleOutState(): Promise<ScaleOutState>;
  /**
   * Keeps what a worker says of itself; stores its certificate when the administrator registered only a
   * thumbprint.
   */
  recordWorkerAgentInfo(workerAgentId: string, info: WorkerAgentInfo): Promise<void>;

  // Projects and packages (SSISDB: deploy_project, catalog.packages)
  deployProject(input: DeployProjectInput, actor: string, guard?: IdempotencyGuard<ProjectVersion>): Promise<ProjectVersion>;
  listFolders(): Promise<Folder[]>;
  /** The current version of each project, optionally of one folder. */
  listProjects(folderName?: string): Promise<ProjectVersion[]>;
  /** A project's version (the current one when `versionNumber` is omitted). */
  getProjectVersion(folderName: string, projectName: string, versionNumber?: number): Promise<ProjectVersion>;
  /** SSISDB catalog.object_versions: the project's versions still kept, newest first. */
  listProjectVersions(folderName: string, projectName: string): Promise<ProjectVersion[]>;
  /** SSISDB restore_project: the version becomes current; executions already created keep the version they run. */
  restoreProject(folderName: string, projectName: string, versionNumber: number, actor: string): Promise<ProjectVersion>;
  /**
   * The version cleanup: keeps each project's current version and its newest others, MAX_PROJECT_VERSIONS in all
   * (of one project, or of every one); a version an unfinished execution runs waits until it has ended. Returns
   * the removed versions, whose archives the caller deletes from the archive store.
   */
  removeOldProjectVersions(actor: string, project?: { folderName: string; projectName: string }): Promise<RemovedProjectVersion[]>;
  /** Where a version's archive is in the archive store, and what it must be. */
  getProjectArchive(projectVersionId: number): Promise<{ archiveName: string; archiveSha256: string; archiveSize: number }>;
  /**
   * Archives deployed before archives moved to Blob Storage, still held in the catalog (migration 0004): the
   * master moves each one to the store at start, then `archiveMoved` names its blob and empties its bytes.
   */
  listArchivesInCatalog(): Promise<{ projectVersionId: number; folderName: string; projectName: string }[]>;
  getArchiveInCatalog(projectVersionId: number): Promise<Buffer>;
  /** False when another master moved it first (its blob is then the one to keep). */
  archiveMoved(projectVersionId: number, archiveName: string): Promise<boolean>;

  // Environments (SSISDB: create_environment, rename_environment, delete_environment, catalog.environments)
  /** Creates the folder too when it does not exist yet. */
  createEnvironment(input: CreateEnvironmentInput, actor: string): Promise<Environment>;
  /** References that named it by its old name follow it. */
  renameEnvironment(folderName: string, environmentName: string, newName: string, actor: string): Promise<Environment>;
  /** Refused (ConflictError) while a project references it; its variables go with it. */
  deleteEnvironment(folderName: string, environmentName: string, actor: string): Promise<void>;
  /** With their variables, sensitive values masked; of one folder when given. */
  listEnvironments(folderName?: string): Promise<Environment[]>;
  getEnvironment(folderName: string, environmentName: string): Promise<Environment>;
  // (create_environment_variable, set_environment_variable_value, delete_environment_variable)
  createEnvironmentVariable(
    folderName: string,
    environmentName: string,
    input: CreateEnvironmentVariableInput,
    actor: string,
  ): Promise<EnvironmentVariable>;
  setEnvironmentVariableValue(
    folderName: string,
    environmentName: string,
    variableName: string,
    value: ParameterValue,
    actor: string,
  ): Promise<EnvironmentVariable>;
  deleteEnvironmentVariable(folderName: string, environmentName: string, variableName: string, actor: string): Promise<void>;

  // Environment references and project configuration (SSISDB: create_environment_reference,
  // delete_environment_reference, set_object_parameter_value, catalog.object_parameters)
  /** Relative when `environmentFolderName` is omitted (the project's own folder), absolute otherwise. */
  createEnvironmentReference(input: CreateEnvironmentReferenceInput, actor: string): Promise<EnvironmentReference>;
  /** Refused (ConflictError) while a schedule names it. */
  deleteEnvironmentReference(referenceId: number, actor: string): Promise<void>;
  listEnvironmentReferences(folderName: string, projectName: string): Promise<EnvironmentReference[]>;
  /** Kept on the project: a new version deployed later uses it too. */
  setObjectParameterValue(input: SetObjectParameterValueInput, actor: string): Promise<ObjectParameter>;
  /** Every package parameter of the project's latest version, with what is set on it. */
  listObjectParameters(folderName: string, projectName: string): Promise<ObjectParameter[]>;

  // Executions (SSISDB: create_execution, set_execution_parameter_value, add_execution_worker, start_execution,
  // stop_operation)
  createExecution(input: CreateExecutionInput, actor: string, guard?: IdempotencyGuard<WrittenExecution>): Promise<Execution>;
  setExecutionParameterValue(executionId: number, name: string, value: ParameterValue): Promise<Execution>;
  addExecutionWorker(executionId: number, workerAgentId: string): Promise<Execution>;
  startExecution(executionId: number, options?: { retryCount?: number }, guard?: IdempotencyGuard<WrittenExecution>): Promise<Execution>;
  /**
   * Created or pending: canceled at once. Running: stopping, until the worker confirms or its lease ends.
   * Every child still going is stopped the same way, down the whole tree.
   */
  stopOperation(executionId: number, actor: string): Promise<Execution>;
  getExecution(executionId: number): Promise<Execution>;
  listExecutions(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionSummary>>;
  getTask(taskId: number): Promise<Task>;
  /** Execution counts by status created since a time (the dashboard's last 24 h), of these projects only when given. */
  countExecutionsByStatus(since: number, projects?: ExecutionFilter['projects']): Promise<Partial<Record<ExecutionStatus, number>>>;
  /** End times of executions that ended since a time (the dashboard's chart), of these projects only when given. */
  listExecutionEndTimes(since: number, projects?: ExecutionFilter['projects']): Promise<{ endTime: number; status: ExecutionStatus }[]>;

  // Tasks: the worker protocol
  /**
   * Leases up to `slots` eligible tasks to the worker. With a claim id that already leased tasks still running on
   * this worker, returns those again (their leases renewed) and leases nothing new: the worker is retrying a claim
   * whose answer it never got.
   */
  claimTasks(workerAgentId: string, slots: number, claimId?: string): Promise<ClaimedTask[]>;
  /** One heartbeat for all the worker's running tasks; also marks the worker online. */
  renewLeases(workerAgentId: string, held: TaskRef[]): Promise<RenewLeasesResult>;
  /** Records how an attempt ended. Throws StaleAttemptError, changing nothing, when the attempt is not held. */
  completeTask(workerAgentId: string, report: TaskReport): Promise<CompleteTaskResult>;
  /**
   * Ends tasks whose lease deadline passed: re-queued while retries remain, else status 6. Idempotent.
   * Only a master that was watching may judge a lease expired: when the caller says it was not (`missed`), or
   * the previous sweep is older than twice the sweep interval (the master or the catalog was down), running
   * leases are extended to a full lease from now instead, so workers that kept working through the outage can
   * heartbeat again. Dead workers are then caught one lease later. Says when the earliest lease still running
   * ends: when the lease alarm is due next.
   */
  expireLeases(schedule: SweepSchedule): Promise<LeaseSweep>;
  /**
   * Deletes executions that ended more than `retentionMs` ago, with their tasks and event messages, and the
   * Idempotency-Keys past their 24 hours.
   */
  cleanupCompletedExecutions(retentionMs: number): Promise<number>;

  // Event messages (SSISDB: catalog.event_messages)
  /** Stores a batch; lines already stored (same task and sequence number) are skipped. */
  appendEventMessages(messages: readonly NewEventMessage[]): Promise<void>;
  /** Messages of an execution (and, with `tree`, of all its descendants) after a cursor, oldest first. */
  listEventMessages(
    executionId: number,
    afterEventMessageId: number,
    limit: number,
    options?: { tree?: boolean },
  ): Promise<EventMessage[]>;

  // Schedules (what SQL Server Agent jobs did)
  createSchedule(input: CreateScheduleInput, actor: string, guard?: IdempotencyGuard<Schedule>): Promise<Schedule>;
  listSchedules(): Promise<Schedule[]>;
  getSchedule(scheduleId: number): Promise<Schedule>;
  /** Enabling computes the next run from now: missed slots while disabled are not run. */
  setScheduleEnabled(scheduleId: number, enabled: boolean, actor: string): Promise<Schedule>;
  removeSchedule(scheduleId: number, actor: string): Promise<void>;
  /** Starts the schedule's execution now, leaving its next run as it was. */
  runScheduleNow(scheduleId: number, actor: string): Promise<Execution>;
  /**
   * Starts every due schedule's execution, exactly once per due time even when several master instances call this
   * at once, and moves each schedule to its next run. After downtime a schedule's missed slots count as one
   * (`run-once`) or are dropped (`skip`).
   */
  fireDueSchedules(): Promise<FiredSchedule[]>;
  /** The next run time of all enabled schedules (when the schedule alarm is due); null when none is enabled. */
  nextScheduledRunTime(): Promise<number | null>;

  // Object permissions (SSISDB: grant_permission, deny_permission, revoke_permission,
  // catalog.explicit_object_permissions, catalog.effective_object_permissions)
  /** Replaces a deny of the same permission by the same principal on the object. */
  grantPermission(input: PermissionInput, actor: string): Promise<ExplicitPermission>;
  /** Replaces a grant of the same permission; a deny beats a grant given another way (to a group, on the folder). */
  denyPermission(input: PermissionInput, actor: string): Promise<ExplicitPermission>;
  /** Removes the grant or the deny; NotFoundError when there is neither. */
  revokePermission(input: PermissionInput, actor: string): Promise<void>;
  /** Every grant and deny, of one folder and the projects and environments in it when given. */
  listExplicitPermissions(folderName?: string): Promise<ExplicitPermission[]>;
  /** What a caller (its own principal and its groups') may do on each object; objects it has no permission on are left out. */
  getEffectivePermissions(principals: readonly string[]): Promise<EffectivePermissions[]>;

  // API keys and audit
  insertApiKey(input: NewApiKey, actor: string, guard?: IdempotencyGuard<ApiKey>): Promise<ApiKey>;
  /** With its hash, for verification; `undefined` when unknown. */
  findApiKey(apiKeyId: string): Promise<(ApiKey & { keyHash: string }) | undefined>;
  listApiKeys(): Promise<ApiKey[]>;
  revokeApiKey(apiKeyId: string, actor: string): Promise<ApiKey>;
  recordApiKeyUse(apiKeyId: string): Promise<void>;
  listAuditTrail(page: PageRequest): Promise<Page<AuditEntry>>;

  // Enrollment tokens: `scaleout-worker join`
  insertEnrollmentToken(input: NewEnrollmentToken, actor: string): Promise<EnrollmentToken>;
  /** With its hash, for verification; `undefined` when unknown. */
  findEnrollmentToken(tokenId: string): Promise<(EnrollmentToken & { tokenHash: string }) | undefined>;
  listEnrollmentTokens(): Promise<EnrollmentToken[]>;
  revokeEnrollmentToken(tokenId: string, actor: string): Promise<EnrollmentToken>;
  /**
   * Spends one use of the token and registers the worker as `addWorkerAgent` does, with the token's tags,
   * MaxTaskCount and enabled flag, in one transaction: a refused token (EnrollmentRefusedError) or a refused
   * worker changes nothing, and two enrollments racing for the last use cannot both succeed.
   */
  enrollWorkerAgent(tokenId: string, input: EnrollWorkerAgentInput): Promise<WorkerAgent>;

  // Idempotency-Keys: the guarded writes above record theirs in their own transaction
  /** The key's record while it is kept (24 hours); `undefined` when it has none. */
  findIdempotencyKey(ref: IdempotencyKeyRef): Promise<IdempotencyRecord | undefined>;
  /**
   * Keeps the answer first sent for the key, so a replay sends the same body: for a record whose write kept none
   * (an older master's, or a guard without `answer`).
   */
  recordIdempotentResponse(ref: IdempotencyKeyRef, body: string): Promise<void>;
  /** Removes the keys past their 24 hours; answers how many went. */
  deleteExpiredIdempotencyKeys(): Promise<number>;

  close(): Promise<void>;
}

/** An Idempotency-Key as the master keeps it: per caller and operation, so two callers' keys never meet. */
export interface IdempotencyKeyRef {
  actor: string;
  operation: string;
  key: string;
}

/** What a guarded write records in its own transaction with its key; `W`: what the write wrote. */
export interface IdempotencyGuard<W = unknown> extends IdempotencyKeyRef {
  /** SHA-256 (hex) of the request's parameters and body. */
  requestHash: string;
  /** What the answer needs that the catalog cannot find again (a new API key's secret); kept encrypted. */
  keep?: Record<string, unknown> | undefined;
  /**
   * The request's answer (its JSON body), made from what the write wrote inside its transaction and kept, encrypted,
   * in the statement that records the key: a replay sends it again, and no second write keeps it. It reads nothing
   * (the transaction holds the catalog).
   */
  answer?: ((written: W) => string) | undefined;
}

/** IS_SCALEOUT_ENABLED and the workers: what a pending execution's waiting reason reads. */
export interface ScaleOutState {
  isScaleOutEnabled: boolean;
  /** In their display names' order. */
  workers: WorkerAvailability[];
}

/** An execution as its create or start wrote it, with what its answer shows, read in the same transaction. */
export interface WrittenExecution {
  execution: Execution;
  /** Read while the execution is pending, for its waiting reason; null otherwise. */
  scaleOut: ScaleOutState | null;
  /** Its direct children, oldest first. */
  children: ExecutionSummary[];
}

export interface IdempotencyRecord {
  requestHash: string;
  /** What the guarded write created (its id), with the guard's `keep`. */
  result: Record<string, unknown>;
  /** The answer as first sent; null when the master stopped before sending it. */
  responseBody: string | null;
}

/** How the lease sweep knows whether the master was watching. */
export interface SweepSchedule {
  /** The longest the master rightly goes without a sweep (the safety sweep's period): a longer silence was an outage. */
  sweepIntervalMs: number;
  /** The caller knows nobody watched (its alarm came late, or it is the safety sweep catching up): judge no lease. */
  missed?: boolean;
}

export interface LeaseSweep {
  released: ReleasedTask[];
  /** The earliest deadline of a lease still running; null when no task runs. */
  nextLeaseDeadline: number | null;
}

export interface CertificateIdentity {
  /** Hex, lowercase, no colons. At least one of the two. */
  thumbprintSha1?: string | undefined;
  thumbprintSha256?: string | undefined;
  pem?: string | undefined;
  notAfter?: number | undefined;
}

export interface AddWorkerAgentInput {
  /** A GUID; generated when omitted. */
  workerAgentId?: string | undefined;
  machineName: string;
  displayName?: string | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  /** SSIS MaxTaskCount. @default 10 */
  maxTaskCount?: number | undefined;
  certificate: CertificateIdentity;
  /** New workers start disabled, as in SSIS, unless an enrollment token an administrator created says otherwise. */
  enabled?: boolean | undefined;
}

/** An enrolling worker says who it is; the token says what it gets. */
export type EnrollWorkerAgentInput = Omit<AddWorkerAgentInput, 'tags' | 'maxTaskCount' | 'enabled' | 'workerAgentId'>;

export interface WorkerAgentChanges {
  displayName?: string | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  maxTaskCount?: number | undefined;
}

export interface WorkerAgentInfo {
  machineName?: string | undefined;
  agentVersion?: string | undefined;
  os?: string | undefined;
  userAccount?: string | undefined;
  /** The full certificate of a worker registered by thumbprint only, as first presented by the worker. */
  certificate?: { pem: string; notAfter: number; thumbprintSha1: string; thumbprintSha256: string } | undefined;
}

export interface PackageDeclaration {
  name: string;
  description?: string | undefined;
  runner: PackageRunner;
  entry: string;
  arguments?: string[] | undefined;
  parameters?: DeclaredParameter[] | undefined;
  timeoutMs?: number | undefined;
}

export interface DeployProjectInput {
  folderName: string;
  projectName: string;
  /** The archive's blob in the archive store, already checked. */
  archiveName: string;
  archiveSha256: string;
  archiveSize: number;
  /** The manifest as deployed, kept verbatim. */
  manifest: unknown;
  packages: PackageDeclaration[];
  /** Who gets every permission on the folder and the project when this deploy creates them; none for an admin. */
  creator?: string | undefined;
}

export interface CreateEnvironmentInput {
  folderName: string;
  environmentName: string;
  description?: string | undefined;
  /** Who gets every permission on the environment (and on the folder when it creates it); none for an admin. */
  creator?: string | undefined;
}

/** A folder, or a project or an environment in its folder. */
export interface SecurableRef {
  objectType: SecurableType;
  folderName: string;
  /** The project's or environment's name; omitted for a folder. */
  objectName?: string | undefined;
}

export interface PermissionInput {
  object: SecurableRef;
  /** `apikey:<id>` or `entra:<object id>` of an Entra user or group. */
  principal: string;
  permission: PermissionName;
}

export interface CreateEnvironmentVariableInput {
  name: string;
  dataType: ParameterDataType;
  /** Encrypted at rest and never shown again. @default false */
  sensitive?: boolean | undefined;
  value: ParameterValue;
  description?: string | undefined;
}

export interface CreateEnvironmentReferenceInput {
  folderName: string;
  projectName: string;
  environmentName: string;
  /** The environment's folder for an absolute reference; omitted for a relative one (the project's folder). */
  environmentFolderName?: string | undefined;
}

export interface SetObjectParameterValueInput {
  folderName: string;
  projectName: string;
  packageName: string;
  parameterName: string;
  valueType: ObjectParameterValueType;
  /** With V: the literal. */
  value?: ParameterValue | undefined;
  /** With R: the environment variable whose value the parameter takes when an execution names a reference. */
  referencedVariableName?: string | undefined;
}

export interface CreateExecutionInput {
  folderName: string;
  projectName: string;
  packageName: string;
  /** The project version to run; the current one when omitted. */
  versionNumber?: number | undefined;
  /** SSISDB @runinscaleout. @default true */
  runInScaleOut?: boolean | undefined;
  /** SSISDB @useanyworker. @default true unless `allowedWorkerIds` is given */
  useAnyWorker?: boolean | undefined;
  allowedWorkerIds?: string[] | undefined;
  requiredTags?: string[] | undefined;
  parameters?: Record<string, ParameterValue> | undefined;
  /**
   * SSISDB @reference_id: the project's environment reference whose variables fill the parameters configured as
   * references (R); `parameters` still override them.
   */
  referenceId?: number | undefined;
  /** Overrides the package's timeout. */
  timeoutMs?: number | undefined;
  parentExecutionId?: number | undefined;
  /**
   * With `parentExecutionId`: the parent's name for this child. An existing child with the same key is returned
   * instead of a new one, so a parent retried after its worker died does not start its children twice.
   */
  childKey?: string | undefined;
  /** Start in the same transaction (`start_execution` right after `create_execution`). */
  start?: { retryCount?: number | undefined } | undefined;
}

export interface ExecutionFilter {
  status?: ExecutionStatus[] | undefined;
  folderName?: string | undefined;
  projectName?: string | undefined;
  packageName?: string | undefined;
  createdSince?: number | undefined;
  parentExecutionId?: number | undefined;
  /** Only executions of these projects (those a caller may read). */
  projects?: readonly { folderName: string; projectName: string }[] | undefined;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/** A task attempt as a worker names it. */
export interface TaskRef {
  taskId: number;
  attemptNumber: number;
}

export interface RenewLeasesResult {
  /** Attempts renewed, with their new deadline. */
  leaseDeadline: number;
  renewed: TaskRef[];
  /** Attempts the worker no longer holds: it must kill them and report nothing more. */
  lost: TaskRef[];
  /** Attempts whose execution is being stopped: the worker cancels them and reports `canceled`. */
  cancel: TaskRef[];
  workerEnabled: boolean;
}

export interface TaskReport extends TaskRef {
  outcome: TaskOutcome | 'abandoned';
  exitCode?: number | undefined;
  message?: string | undefined;
}

export interface CompleteTaskResult {
  executionStatus: ExecutionStatus;
  /** True when this exact report had already been recorded (a retried delivery); nothing changed. */
  alreadyRecorded: boolean;
  /** The next attempt, when the execution was re-queued for a retry. */
  retryAttemptNumber?: number | undefined;
}

export interface ReleasedTask extends TaskRef {
  executionId: number;
  workerAgentId: string | null;
  executionStatus: ExecutionStatus;
  retryAttemptNumber?: number | undefined;
}

export interface NewEnrollmentToken {
  tokenId: string;
  tokenHash: string;
  /** From its creation time (the catalog's clock) to its expiry. */
  lifetimeMs: number;
  maxUses: number;
  tags: string[];
  maxTaskCount: number | null;
  enableWorker: boolean;
}

export interface NewApiKey {
  apiKeyId: string;
  name: string;
  role: ApiKeyRole;
  keyHash: string;
}

export interface CreateScheduleInput {
  name: string;
  folderName: string;
  projectName: string;
  packageName: string;
  parameters?: Record<string, ParameterValue> | undefined;
  workerAgentIds?: string[] | undefined;
  requiredTags?: string[] | undefined;
  retryCount?: number | undefined;
  timeoutMs?: number | undefined;
  /** The project's environment reference each run resolves its parameters from (SSISDB @reference_id). */
  referenceId?: number | undefined;
  /** 5 fields (minute first) or 6 (seconds first). */
  cronExpression: string;
  /** An IANA time zone. @default 'UTC' */
  timeZone?: string | undefined;
  /** @default 'run-once' */
  misfirePolicy?: MisfirePolicy | undefined;
  /** @default true */
  enabled?: boolean | undefined;
}

export interface FiredSchedule {
  scheduleId: number;
  /** When it was due (it may have been missed by a while). */
  dueTime: number;
  /** The execution started, or null when the slot was skipped or the execution could not be created. */
  executionId: number | null;
  /** Why no execution was started, when none was. */
  reason?: string | undefined;
}
