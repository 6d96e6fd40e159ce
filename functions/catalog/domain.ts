/**
 * The catalog's domain, in SSISDB's words.
 *
 * Glossary
 * - master: the control plane (these functions and this catalog). Stateless; any number of instances.
 * - catalog: the SQL database that is the single source of truth (SSISDB's counterpart).
 * - worker (worker agent): an on-prem process, identified by its certificate, that leases tasks and runs packages.
 * - folder / project / package: deployment units addressed `folder/project/package`. A project version is an
 *   archive holding one or more packages; a package is one runnable entry with declared parameters.
 * - execution: one request to run one package with parameter values; its status uses SSISDB's codes.
 * - task: one attempt of an execution on one worker. It holds a lease (a deadline the worker keeps pushing back
 *   with heartbeats) and a fencing token, its attempt number, that every report from the worker must carry.
 * - event message: a log line or progress event of a running package (SSISDB `event_messages`).
 *
 * All times in the domain are epoch milliseconds, UTC.
 */

import type { PermissionName, SecurableType } from '../../contracts/management/object-permissions.js';

/** SSISDB `catalog.executions.status`. */
export const ExecutionStatus = {
  created: 1,
  running: 2,
  canceled: 3,
  failed: 4,
  pending: 5,
  endedUnexpectedly: 6,
  succeeded: 7,
  stopping: 8,
  completed: 9,
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

/** SSISDB status names, by code (shared with every client through contracts/). */
export { executionStatusNames } from '../../contracts/common.js';

/** Statuses after which nothing more happens to an execution. */
export const finalExecutionStatuses: readonly ExecutionStatus[] = [
  ExecutionStatus.canceled,
  ExecutionStatus.failed,
  ExecutionStatus.endedUnexpectedly,
  ExecutionStatus.succeeded,
  ExecutionStatus.completed,
];

export function isFinalStatus(status: ExecutionStatus): boolean {
  return finalExecutionStatuses.includes(status);
}

/**
 * A task's life: `pending` until a worker claims it, `running` while leased, then one of the ends.
 * `lost` means the lease expired before the worker reported: the worker is presumed dead.
 */
export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'lost';

/** What a worker reports when a task's package ends. */
export type TaskOutcome = 'succeeded' | 'failed' | 'canceled';

export type ApiKeyRole = 'admin' | 'executor' | 'reader';

/** The runners a worker offers. */
export type PackageRunner = 'node' | 'process' | 'dtexec';

/** SSIS parameter data types we accept. Values travel as JSON and reach packages as strings. */
export type ParameterDataType = 'String' | 'Int32' | 'Int64' | 'Double' | 'Decimal' | 'Boolean' | 'DateTime';

export type ParameterValue = string | number | boolean;

export interface DeclaredParameter {
  name: string;
  dataType: ParameterDataType;
  required: boolean;
  sensitive: boolean;
  defaultValue?: ParameterValue | undefined;
  description?: string | undefined;
}

export interface MasterProperties {
  isScaleOutEnabled: boolean;
  masterAddress: string | null;
  lastOnlineTime: number | null;
  version: string | null;
}

export interface CatalogProperty {
  propertyName: string;
  propertyValue: string | null;
  description: string;
}

export interface WorkerAgent {
  workerAgentId: string;
  machineName: string;
  displayName: string;
  description: string;
  tags: string[];
  isEnabled: boolean;
  certThumbprintSha1: string | null;
  certThumbprintSha256: string | null;
  certPem: string | null;
  certNotAfter: number | null;
  maxTaskCount: number;
  lastOnlineTime: number | null;
  /** When a lease of this worker last ran out for silence: the master gave up on it then. */
  leaseExpiredTime: number | null;
  agentVersion: string | null;
  os: string | null;
  userAccount: string | null;
  createdTime: number;
  /** Tasks this worker holds a lease on right now. */
  runningTaskCount: number;
}

/**
 * What a pending execution's waiting reason reads of a worker: whether it may, can and is free to claim. Only
 * these columns are read for every start, so its statement's cost stays small as workers are added.
 */
export type WorkerAvailability = Pick<
  WorkerAgent,
  'workerAgentId' | 'displayName' | 'tags' | 'isEnabled' | 'lastOnlineTime' | 'leaseExpiredTime' | 'maxTaskCount' | 'runningTaskCount'
>;

/**
 * Online: heard from within `offlineAfterMs`, and not given up on since. A worker whose lease ran out for silence
 * is offline at once, not only once its last online time is old: the master has re-queued its tasks already.
 */
export function workerIsOnline(worker: Pick<WorkerAgent, 'lastOnlineTime' | 'leaseExpiredTime'>, now: number, offlineAfterMs: number): boolean {
  const heard = worker.lastOnlineTime;
  if (heard === null || now - heard > offlineAfterMs) return false;
  return worker.leaseExpiredTime === null || worker.leaseExpiredTime < heard;
}

export interface Folder {
  folderId: number;
  name: string;
  description: string;
  createdTime: number;
}

export interface ProjectVersion {
  projectVersionId: number;
  folderName: string;
  projectName: string;
  versionNumber: number;
  archiveSha256: string;
  archiveSize: number;
  deployedBy: string;
  /** The API key's name or the Entra principal's; null when the actor is neither (or the key is unknown). */
  deployedByName: string | null;
  deployedTime: number;
  /** The version the project runs when none is named (SSISDB: the project's object_version_lsn). */
  isCurrent: boolean;
  restoredBy: string | null;
  lastRestoredTime: number | null;
  packages: Package[];
}

/** A version the cleanup removed: its archive is to be deleted from the archive store. */
export interface RemovedProjectVersion {
  folderName: string;
  projectName: string;
  versionNumber: number;
  /** Null for an archive still held in the catalog (emptied with the removal). */
  archiveName: string | null;
}

export interface Package {
  packageId: number;
  projectVersionId: number;
  name: string;
  description: string;
  runner: PackageRunner;
  entry: string;
  arguments: string[];
  parameters: DeclaredParameter[];
  timeoutMs: number | null;
}

export interface ExecutionParameterValue {
  name: string;
  sensitive: boolean;
  /** `null` for sensitive values: they are only ever decrypted for the worker holding the lease. */
  value: ParameterValue | null;
}

/** An execution as listed: without its parameter values and placement. */
export interface ExecutionSummary {
  executionId: number;
  folderName: string;
  projectName: string;
  packageName: string;
  projectVersionId: number;
  status: ExecutionStatus;
  runInScaleOut: boolean;
  useAnyWorker: boolean;
  retryCount: number;
  timeoutMs: number | null;
  createdBy: string;
  createdTime: number;
  startTime: number | null;
  endTime: number | null;
  statusMessage: string | null;
  parentExecutionId: number | null;
  /** The name its parent gave it among its siblings, if any. */
  childKey: string | null;
  /** The schedule that started it, if one did. */
  scheduleId: number | null;
  /** Attempts made so far (tasks created). */
  attemptCount: number;
  /** The worker of the latest attempt, once one was claimed. */
  workerAgentId: string | null;
  /** That worker's display name, kept after it was removed. */
  workerDisplayName: string | null;
}

export interface Execution extends ExecutionSummary {
  allowedWorkerIds: string[];
  requiredTags: string[];
  parameters: ExecutionParameterValue[];
  /** Its tasks, oldest attempt first. */
  attempts: Task[];
  /** Executions started with this one as their parent. */
  childCount: number;
}

export interface Task {
  taskId: number;
  executionId: number;
  attemptNumber: number;
  state: TaskState;
  workerAgentId: string | null;
  /** The worker's display name, kept after it was removed. */
  workerDisplayName: string | null;
  createdTime: number;
  claimedTime: number | null;
  leaseDeadline: number | null;
  lastHeartbeatTime: number | null;
  cancelRequested: boolean;
  endTime: number | null;
  exitCode: number | null;
  resultMessage: string | null;
}

/** Everything a worker needs to run a task it has just leased. */
export interface ClaimedTask {
  taskId: number;
  attemptNumber: number;
  executionId: number;
  leaseDeadline: number;
  folderName: string;
  projectName: string;
  packageName: string;
  projectVersionId: number;
  archiveSha256: string;
  archiveSize: number;
  runner: PackageRunner;
  entry: string;
  arguments: string[];
  /** Decrypted, sensitive values included: only the lease holder ever receives this. */
  parameters: Record<string, ParameterValue>;
  sensitiveParameterNames: string[];
  timeoutMs: number | null;
}

/** SSISDB `event_messages.message_type` values we use. */
export const EventMessageType = {
  error: 120,
  warning: 110,
  information: 70,
  progress: 40,
  taskStarted: 30,
  taskEnded: 20,
} as const;
export type EventMessageType = (typeof EventMessageType)[keyof typeof EventMessageType];

export interface EventMessage {
  /** Increases with every stored message: the cursor readers resume from. */
  eventMessageId: number;
  executionId: number;
  taskId: number;
  sequenceNumber: number;
  messageTime: number;
  messageType: EventMessageType;
  messageSourceName: string;
  message: string;
}

export type NewEventMessage = Omit<EventMessage, 'eventMessageId'>;

export interface ApiKey {
  apiKeyId: string;
  name: string;
  role: ApiKeyRole;
  createdBy: string;
  createdTime: number;
  lastUsedTime: number | null;
  revokedTime: number | null;
}

/** What `scaleout-worker join` presents, once per use, to register a worker (its secret is never kept). */
export interface EnrollmentToken {
  tokenId: string;
  createdBy: string;
  createdTime: number;
  expiresTime: number;
  maxUses: number;
  useCount: number;
  /** What the worker it registers gets. */
  tags: string[];
  /** `null`: the default MaxTaskCount. */
  maxTaskCount: number | null;
  enableWorker: boolean;
  lastUsedTime: number | null;
  revokedTime: number | null;
}

export type EnrollmentTokenState = 'active' | 'revoked' | 'used-up' | 'expired';

/** Revoked outranks used up, which outranks expired: the reason an administrator acted on, or the first one met. */
export function enrollmentTokenState(token: Pick<EnrollmentToken, 'revokedTime' | 'useCount' | 'maxUses' | 'expiresTime'>, now: number): EnrollmentTokenState {
  if (token.revokedTime !== null) return 'revoked';
  if (token.useCount >= token.maxUses) return 'used-up';
  if (token.expiresTime <= now) return 'expired';
  return 'active';
}

export interface AuditEntry {
  auditId: number;
  occurredTime: number;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `offset` to read the next page; `null` on the last page. */
  nextOffset: number | null;
}

export type MisfirePolicy = 'run-once' | 'skip';

/** A schedule: a package run on a cron expression in a time zone (what SQL Server Agent jobs did). */
export interface Schedule {
  scheduleId: number;
  name: string;
  folderName: string;
  projectName: string;
  packageName: string;
  /** Non-sensitive values; sensitive ones are listed by name only. */
  parameters: Record<string, ParameterValue>;
  sensitiveParameterNames: string[];
  workerAgentIds: string[];
  requiredTags: string[];
  retryCount: number;
  timeoutMs: number | null;
  /** The environment reference its executions resolve their parameters from. */
  referenceId: number | null;
  cronExpression: string;
  timeZone: string;
  misfirePolicy: MisfirePolicy;
  isEnabled: boolean;
  nextRunTime: number | null;
  lastRunTime: number | null;
  lastExecutionId: number | null;
  lastError: string | null;
  createdBy: string;
  createdTime: number;
}

/** SSISDB `catalog.environments`: a named set of typed variables in a folder, that projects reference. */
export interface Environment {
  environmentId: number;
  folderName: string;
  name: string;
  description: string;
  createdBy: string;
  createdTime: number;
  variables: EnvironmentVariable[];
}

/** SSISDB `catalog.environment_variables`. */
export interface EnvironmentVariable {
  variableId: number;
  name: string;
  dataType: ParameterDataType;
  sensitive: boolean;
  description: string;
  /** `null` for sensitive values: they are only ever decrypted into an execution's parameters. */
  value: ParameterValue | null;
}

/** SSISDB `catalog.environment_references.reference_type`: R relative (the project's own folder), A absolute. */
export type EnvironmentReferenceType = 'R' | 'A';

export interface EnvironmentReference {
  referenceId: number;
  folderName: string;
  projectName: string;
  referenceType: EnvironmentReferenceType;
  /** `null` for a relative reference: the environment is in the project's folder. */
  environmentFolderName: string | null;
  environmentName: string;
  createdBy: string;
  createdTime: number;
}

/** SSISDB `value_type`: V a literal, R a reference to an environment variable by name. */
export type ObjectParameterValueType = 'V' | 'R';

/** A package parameter of a deployed project's latest version, with the value set on the project, if any. */
export interface ObjectParameter {
  packageName: string;
  parameterName: string;
  dataType: ParameterDataType;
  required: boolean;
  sensitive: boolean;
  designDefaultValue: ParameterValue | null;
  /** Whether set_object_parameter_value set it; the other fields below are null when not. */
  valueSet: boolean;
  valueType: ObjectParameterValueType | null;
  /** A literal's value; `null` when sensitive, unset or a reference. */
  value: ParameterValue | null;
  referencedVariableName: string | null;
}

/** SSISDB `catalog.explicit_object_permissions`: a grant or a deny as given, with the object's name. */
export interface ExplicitPermission {
  objectType: SecurableType;
  objectId: number;
  folderName: string;
  /** The project's or environment's name; null for the folder itself. */
  objectName: string | null;
  principal: string;
  permission: PermissionName;
  /** SSISDB's number of the permission. */
  permissionType: number;
  isDeny: boolean;
  grantor: string;
  grantedTime: number;
}

/** SSISDB `catalog.effective_object_permissions`: what a caller may do on one object, grants less denies. */
export interface EffectivePermissions {
  objectType: SecurableType;
  objectId: number;
  folderName: string;
  objectName: string | null;
  permissions: PermissionName[];
}
