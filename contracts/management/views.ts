import * as z from 'zod';
import {
  Description,
  DisplayName,
  ExecutionStatusCode,
  ExecutionStatusName,
  ParameterValue,
  Tag,
  Timestamp,
} from '../common.js';
import { ApiKeyRole } from '../endpoint.js';
import { PackageRunner } from '../worker-protocol.js';

/** What the management API shows. Times are ISO 8601 UTC; `null` when not (yet) known. */

export const WorkerStatus = z.enum(['online', 'offline', 'disabled']);
export type WorkerStatus = z.infer<typeof WorkerStatus>;

export const WorkerAgentView = z
  .object({
    workerAgentId: z.string(),
    machineName: z.string(),
    displayName: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    isEnabled: z.boolean(),
    /** disabled when not enabled; else online when heard from recently, offline otherwise (SSIS Worker Manager). */
    status: WorkerStatus,
    runningTaskCount: z.int(),
    maxTaskCount: z.int(),
    lastOnlineTime: Timestamp.nullable(),
    agentVersion: z.string().nullable(),
    /** Its agent is older than the master's version (`scaleout-worker update` brings the master's build). */
    agentOutdated: z.boolean(),
    os: z.string().nullable(),
    userAccount: z.string().nullable(),
    certificate: z.object({
      thumbprintSha1: z.string().nullable(),
      thumbprintSha256: z.string().nullable(),
      notAfter: Timestamp.nullable(),
    }),
    createdTime: Timestamp,
  })
  .meta({ id: 'WorkerAgent' });
export type WorkerAgentView = z.infer<typeof WorkerAgentView>;

export const EnrollmentTokenView = z
  .object({
    tokenId: z.string(),
    createdBy: z.string(),
    createdTime: Timestamp,
    expiresTime: Timestamp,
    maxUses: z.int(),
    useCount: z.int(),
    /** What a worker that joins with it gets. */
    tags: z.array(z.string()),
    /** `null`: the default MaxTaskCount. */
    maxTaskCount: z.int().nullable(),
    enableWorker: z.boolean(),
    lastUsedTime: Timestamp.nullable(),
    revokedTime: Timestamp.nullable(),
    status: z.enum(['active', 'revoked', 'used-up', 'expired']),
  })
  .meta({ id: 'EnrollmentToken' });
export type EnrollmentTokenView = z.infer<typeof EnrollmentTokenView>;

export const CertificateSummary = z
  .object({
    subject: z.string(),
    issuer: z.string(),
    thumbprintSha1: z.string(),
    thumbprintSha256: z.string(),
    notBefore: Timestamp,
    notAfter: Timestamp,
    keyAlgorithm: z.string(),
    /** Its extended key usage allows client authentication (or it has none, which allows every use). */
    clientAuth: z.boolean(),
  })
  .meta({ id: 'CertificateSummary' });
export type CertificateSummary = z.infer<typeof CertificateSummary>;

export const MasterStatusView = z
  .object({
    isScaleOutEnabled: z.boolean(),
    masterAddress: z.string().nullable(),
    version: z.string(),
    lastOnlineTime: Timestamp.nullable(),
    /**
     * Seconds since the master was last seen doing its rounds (its safety sweep, or a lease check while tasks run).
     * More than twice `heartbeatIntervalSeconds` means its timers are not running.
     */
    heartbeatAgeSeconds: z.number().nullable(),
    /** The longest the master rightly goes without a round: its safety sweep's period (2 h by default). */
    heartbeatIntervalSeconds: z.number(),
    /** The master's HTTPS certificate, when it serves TLS itself (the one-box): workers pin it. */
    certificateThumbprint: z.string().nullable(),
    catalogEngine: z.enum(['sqlite', 'mssql']),
    workers: z.object({ online: z.int(), offline: z.int(), disabled: z.int(), total: z.int() }),
    executions: z.object({ running: z.int(), pending: z.int(), stopping: z.int() }),
    /**
     * Messages the master's queue triggers gave up on (moved to a `-poison` queue after too many tries): event
     * lines not stored, timers not run. Null when the queues could not be read. `scaleout master redrive` retries them.
     */
    poisonMessages: z.int().nullable(),
  })
  .meta({ id: 'MasterStatus' });
export type MasterStatusView = z.infer<typeof MasterStatusView>;

/** SSISDB catalog.catalog_properties: a setting of the catalog, set with configure_catalog. */
export const CatalogPropertyView = z.object({
  propertyName: z.string(),
  propertyValue: z.string().nullable(),
  description: z.string(),
});
export type CatalogPropertyView = z.infer<typeof CatalogPropertyView>;

export const ParameterDataType = z.enum(['String', 'Int32', 'Int64', 'Double', 'Decimal', 'Boolean', 'DateTime']);

export const DeclaredParameterView = z.object({
  name: z.string(),
  dataType: ParameterDataType,
  required: z.boolean(),
  sensitive: z.boolean(),
  /** `null` when there is none, and always for sensitive parameters. */
  defaultValue: ParameterValue.nullable(),
  description: z.string().nullable(),
});

export const PackageView = z
  .object({
    name: z.string(),
    description: z.string(),
    runner: PackageRunner,
    entry: z.string(),
    arguments: z.array(z.string()),
    parameters: z.array(DeclaredParameterView),
    timeoutMs: z.int().nullable(),
  })
  .meta({ id: 'Package' });
export type PackageView = z.infer<typeof PackageView>;

export const ProjectVersionView = z
  .object({
    folderName: z.string(),
    projectName: z.string(),
    projectVersionId: z.int(),
    versionNumber: z.int(),
    archiveSha256: z.string(),
    archiveSize: z.int(),
    /** Who deployed it: `apikey:<id>` or `entra:<name>`, as in the audit trail. */
    deployedBy: z.string(),
    /** The API key's name or the Entra principal's. */
    deployedByName: z.string().nullable(),
    deployedTime: Timestamp,
    /** The version the project runs when an execution names none: the latest deployed, unless one was restored. */
    isCurrent: z.boolean(),
    /** Who last restored it (SSISDB restore_project), and when. */
    restoredBy: z.string().nullable(),
    lastRestoredTime: Timestamp.nullable(),
    packages: z.array(PackageView),
  })
  .meta({ id: 'ProjectVersion' });
export type ProjectVersionView = z.infer<typeof ProjectVersionView>;

export const FolderView = z.object({ name: z.string(), description: z.string(), createdTime: Timestamp });

export const AttemptView = z.object({
  taskId: z.int(),
  attemptNumber: z.int(),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'canceled', 'lost']),
  workerAgentId: z.string().nullable(),
  /** The worker's display name, kept after the worker was removed. */
  workerDisplayName: z.string().nullable(),
  claimedTime: Timestamp.nullable(),
  lastHeartbeatTime: Timestamp.nullable(),
  endTime: Timestamp.nullable(),
  exitCode: z.int().nullable(),
  resultMessage: z.string().nullable(),
  cancelRequested: z.boolean(),
});

export const ExecutionSummaryView = z
  .object({
    executionId: z.int(),
    folderName: z.string(),
    projectName: z.string(),
    packageName: z.string(),
    status: ExecutionStatusCode,
    statusName: ExecutionStatusName,
    statusMessage: z.string().nullable(),
    useAnyWorker: z.boolean(),
    retryCount: z.int(),
    attemptCount: z.int(),
    /** The worker of the latest attempt. */
    workerAgentId: z.string().nullable(),
    /** Its display name, kept after the worker was removed. */
    workerDisplayName: z.string().nullable(),
    createdBy: z.string(),
    createdTime: Timestamp,
    startTime: Timestamp.nullable(),
    endTime: Timestamp.nullable(),
    parentExecutionId: z.int().nullable(),
    /** The name its parent gave it among its siblings (the task API's `key`); null when unnamed or not a child. */
    childKey: z.string().nullable(),
  })
  .meta({ id: 'ExecutionSummary' });
export type ExecutionSummaryView = z.infer<typeof ExecutionSummaryView>;

export const ExecutionView = ExecutionSummaryView.extend({
  projectVersionId: z.int(),
  timeoutMs: z.int().nullable(),
  workerAgentIds: z.array(z.string()),
  requiredTags: z.array(z.string()),
  /** Sensitive values are never shown: `value` is null and `sensitive` true. */
  parameters: z.array(z.object({ name: z.string(), sensitive: z.boolean(), value: ParameterValue.nullable() })),
  attempts: z.array(AttemptView),
  /** Why a created or pending execution is not running yet, in words a user can act on; null otherwise. */
  waitingReason: z.string().nullable(),
  /** The executions this one started (its direct children), oldest first. */
  children: z.array(ExecutionSummaryView),
  /** The schedule that started it, if one did. */
  scheduleId: z.int().nullable(),
}).meta({ id: 'Execution' });
export type ExecutionView = z.infer<typeof ExecutionView>;

export const EventMessageView = z
  .object({
    eventMessageId: z.int(),
    executionId: z.int(),
    taskId: z.int(),
    sequenceNumber: z.int(),
    messageTime: Timestamp,
    /** SSISDB message_type: 120 error, 110 warning, 70 information, 40 progress. */
    messageType: z.int(),
    messageTypeName: z.enum(['error', 'warning', 'information', 'progress', 'other']),
    messageSourceName: z.string(),
    message: z.string(),
  })
  .meta({ id: 'EventMessage' });
export type EventMessageView = z.infer<typeof EventMessageView>;

/**
 * The order a log reads in, an execution's lines and its descendants' together: by time, then by each task's
 * sequence. The events cursor follows arrival at the catalog instead (through the event queue, a child's lines
 * may land before its parent's earlier ones), so clients put what they read in this order.
 */
export function compareEventMessages(a: EventMessageView, b: EventMessageView): number {
  return Date.parse(a.messageTime) - Date.parse(b.messageTime) || a.taskId - b.taskId || a.sequenceNumber - b.sequenceNumber;
}

export const ApiKeyView = z
  .object({
    apiKeyId: z.string(),
    name: z.string(),
    role: ApiKeyRole,
    createdBy: z.string(),
    createdTime: Timestamp,
    lastUsedTime: Timestamp.nullable(),
    revokedTime: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const AuditEntryView = z.object({
  auditId: z.int(),
  occurredTime: Timestamp,
  actor: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  details: z.record(z.string(), z.unknown()),
});

export const WorkerAgentChanges = z
  .object({
    displayName: DisplayName.optional(),
    description: Description.optional(),
    tags: z.array(Tag).max(50).optional(),
    maxTaskCount: z.int().min(1).max(1000).optional(),
  })
  .refine((changes) => Object.values(changes).some((v) => v !== undefined), {
    message: 'give at least one of displayName, description, tags, maxTaskCount',
  });


export const MisfirePolicy = z.enum(['run-once', 'skip']);
export type MisfirePolicy = z.infer<typeof MisfirePolicy>;

export const ScheduleView = z
  .object({
    scheduleId: z.int(),
    name: z.string(),
    folderName: z.string(),
    projectName: z.string(),
    packageName: z.string(),
    /** Non-sensitive values; sensitive ones are only named. */
    parameters: z.record(z.string(), ParameterValue),
    sensitiveParameterNames: z.array(z.string()),
    workerAgentIds: z.array(z.string()),
    requiredTags: z.array(z.string()),
    retryCount: z.int(),
    timeoutMs: z.int().nullable(),
    /** The environment reference its runs take their configured parameters from. */
    referenceId: z.int().nullable(),
    cron: z.string(),
    timeZone: z.string(),
    /** After downtime: `run-once` runs the missed slots once; `skip` drops them. */
    misfirePolicy: MisfirePolicy,
    isEnabled: z.boolean(),
    nextRunTime: Timestamp.nullable(),
    lastRunTime: Timestamp.nullable(),
    lastExecutionId: z.int().nullable(),
    /** Why the last run could not start an execution. */
    lastError: z.string().nullable(),
    createdBy: z.string(),
    createdTime: Timestamp,
  })
  .meta({ id: 'Schedule' });
export type ScheduleView = z.infer<typeof ScheduleView>;

export const PoisonQueueView = z
  .object({
    /** The queue whose trigger gave up on these messages; they wait in `<queue>-poison`. */
    queue: z.string(),
    function: z.string(),
    count: z.int(),
    /** The first messages (at most 32), each cut to its first 200 characters. */
    messages: z.array(z.object({ messageId: z.string(), insertedTime: Timestamp.nullable(), preview: z.string() })),
  })
  .meta({ id: 'PoisonQueue' });
export type PoisonQueueView = z.infer<typeof PoisonQueueView>;

/** SSISDB `catalog.environment_variables`; a sensitive variable's value is always null. */
export const EnvironmentVariableView = z
  .object({
    name: z.string(),
    dataType: ParameterDataType,
    sensitive: z.boolean(),
    description: z.string(),
    value: ParameterValue.nullable(),
  })
  .meta({ id: 'EnvironmentVariable' });
export type EnvironmentVariableView = z.infer<typeof EnvironmentVariableView>;

/** SSISDB `catalog.environments`, with its variables. */
export const EnvironmentView = z
  .object({
    folderName: z.string(),
    name: z.string(),
    description: z.string(),
    createdBy: z.string(),
    createdTime: Timestamp,
    variables: z.array(EnvironmentVariableView),
  })
  .meta({ id: 'Environment' });
export type EnvironmentView = z.infer<typeof EnvironmentView>;

/** SSISDB `catalog.environment_references`: R relative (the project's folder), A absolute. */
export const EnvironmentReferenceView = z
  .object({
    referenceId: z.int(),
    folderName: z.string(),
    projectName: z.string(),
    referenceType: z.enum(['R', 'A']),
    /** null for a relative reference. */
    environmentFolderName: z.string().nullable(),
    environmentName: z.string(),
    createdBy: z.string(),
    createdTime: Timestamp,
  })
  .meta({ id: 'EnvironmentReference' });
export type EnvironmentReferenceView = z.infer<typeof EnvironmentReferenceView>;

/** SSISDB `catalog.object_parameters`: a package parameter of the project and what is set on it. */
export const ObjectParameterView = z
  .object({
    packageName: z.string(),
    parameterName: z.string(),
    dataType: ParameterDataType,
    required: z.boolean(),
    sensitive: z.boolean(),
    /** The package's declared default; null when none, and always for sensitive parameters. */
    designDefaultValue: ParameterValue.nullable(),
    valueSet: z.boolean(),
    /** V a literal, R a reference to an environment variable; null when not set. */
    valueType: z.enum(['V', 'R']).nullable(),
    /** The literal; null when sensitive, unset or a reference. */
    value: ParameterValue.nullable(),
    referencedVariableName: z.string().nullable(),
  })
  .meta({ id: 'ObjectParameter' });
export type ObjectParameterView = z.infer<typeof ObjectParameterView>;
