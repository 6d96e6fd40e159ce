import * as z from 'zod';
import {
  CatalogName,
  decimalInteger,
  Description,
  DisplayName,
  ExecutionId,
  MaxTaskCount,
  ParameterValue,
  RowId,
  Tag,
  Timestamp,
  WorkerAgentId,
} from '../common.js';
import { ApiKeyRole, defineEndpoint } from '../endpoint.js';
import { environmentEndpoints } from './environment-endpoints.js';
import { permissionEndpoints } from './permission-endpoints.js';
import {
  ApiKeyView,
  AuditEntryView,
  CatalogPropertyView,
  CertificateSummary,
  EnrollmentTokenView,
  EventMessageView,
  ExecutionSummaryView,
  ExecutionView,
  FolderView,
  MasterStatusView,
  MisfirePolicy,
  PackageView,
  PoisonQueueView,
  ProjectVersionView,
  ScheduleView,
  WorkerAgentChanges,
  WorkerAgentView,
} from './views.js';

/**
 * The management API (`/api/v1/...`): what Scale Out Manager does, for the CLI, the dashboard and scripts.
 * Operation names mirror the SSISDB procedures they stand for.
 */

const reader = { kind: 'management', role: 'reader' } as const;
const executor = { kind: 'management', role: 'executor' } as const;
const admin = { kind: 'management', role: 'admin' } as const;

const WorkerParams = z.object({ workerAgentId: WorkerAgentId });
const ExecutionParams = z.object({ executionId: ExecutionId });
const Paging = {
  limit: decimalInteger({ min: 1, max: 500 }).default(50),
  offset: decimalInteger({ min: 0 }).default(0),
};

// Master (SSISDB: catalog.master_properties, enable_scaleout)

export const getMasterStatus = defineEndpoint({
  operationId: 'getMasterStatus',
  method: 'GET',
  path: '/v1/master',
  summary: 'The master\'s status: Scale Out enabled, address, version, heartbeat age, worker and execution counts.',
  access: reader,
  response: MasterStatusView,
});

export const enableScaleOut = defineEndpoint({
  operationId: 'enableScaleOut',
  method: 'POST',
  path: '/v1/master/enable-scaleout',
  summary: 'Enable Scale Out (SSISDB enable_scaleout). Until then no worker gets a task.',
  access: admin,
  response: MasterStatusView,
});

export const listPoisonMessages = defineEndpoint({
  operationId: 'listPoisonMessages',
  method: 'GET',
  path: '/v1/master/poison-messages',
  summary: "Messages the master's queue triggers gave up on after too many tries, by queue.",
  access: reader,
  response: z.object({ queues: z.array(PoisonQueueView) }),
});

export const redrivePoisonMessages = defineEndpoint({
  operationId: 'redrivePoisonMessages',
  method: 'POST',
  path: '/v1/master/poison-messages/redrive',
  summary: 'Put every poison message back on its queue, for its trigger to try again (once the cause is fixed).',
  access: admin,
  response: z.object({ queues: z.array(z.object({ queue: z.string(), redriven: z.int() })) }),
});

// Catalog properties (SSISDB: catalog.catalog_properties, configure_catalog)

export const listCatalogProperties = defineEndpoint({
  operationId: 'listCatalogProperties',
  method: 'GET',
  path: '/v1/catalog/properties',
  summary: 'The catalog\'s settings (SSISDB catalog.catalog_properties): RETENTION_WINDOW, OPERATION_CLEANUP_ENABLED, MAX_PROJECT_VERSIONS.',
  access: reader,
  response: z.object({ properties: z.array(CatalogPropertyView) }),
});

export const configureCatalog = defineEndpoint({
  operationId: 'configureCatalog',
  method: 'PUT',
  path: '/v1/catalog/properties/{propertyName}',
  summary: 'Set one catalog property (SSISDB configure_catalog), checked against its rule; answers every property after.',
  access: admin,
  params: z.object({ propertyName: z.string().min(1).max(128) }),
  body: z.object({ value: z.string().max(128) }),
  response: z.object({ properties: z.array(CatalogPropertyView) }),
});

export const getDashboard = defineEndpoint({
  operationId: 'getDashboard',
  method: 'GET',
  path: '/v1/dashboard',
  summary: 'What the dashboard shows at a glance: master status, and of the executions the caller may read, those by status in the last 24 h and completions per minute over the last hour.',
  access: reader,
  response: z.object({
    master: MasterStatusView,
    last24Hours: z.object({ running: z.int(), pending: z.int(), succeeded: z.int(), failed: z.int(), other: z.int() }),
    /** 60 one-minute buckets, oldest first, ending with the current minute. */
    completionsPerMinute: z.array(z.object({ minute: Timestamp, succeeded: z.int(), failed: z.int() })),
  }),
});

export const getCaller = defineEndpoint({
  operationId: 'getCaller',
  method: 'GET',
  path: '/v1/me',
  summary: 'Who is calling and with which role, so a client shows only the actions that role may take.',
  access: reader,
  response: z.object({ actor: z.string(), role: ApiKeyRole }),
});

// Worker agents (SSISDB: catalog.worker_agents, enable/disable_worker_agent, set_worker_agent_property)

export const listWorkers = defineEndpoint({
  operationId: 'listWorkers',
  method: 'GET',
  path: '/v1/workers',
  summary: "Every worker agent with its status (online, offline, disabled), running tasks and capacity, and the master's version its agent is compared with.",
  access: reader,
  response: z.object({ masterVersion: z.string(), workers: z.array(WorkerAgentView) }),
});

export const getWorker = defineEndpoint({
  operationId: 'getWorker',
  method: 'GET',
  path: '/v1/workers/{workerAgentId}',
  summary: 'One worker agent.',
  access: reader,
  params: WorkerParams,
  response: WorkerAgentView,
});

export const addWorker = defineEndpoint({
  operationId: 'addWorker',
  method: 'POST',
  path: '/v1/workers',
  summary:
    'Add a worker by its certificate (PEM, or base64 DER) or its thumbprint. New workers start disabled, as in SSIS. With `validateOnly` nothing is stored: the answer shows the certificate and the steps, for a confirm step.',
  access: admin,
  body: z
    .object({
      /** The worker's certificate: PEM text, or base64 DER. */
      certificate: z.string().max(20_000).optional(),
      /** SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint, when the certificate file is not at hand. */
      thumbprint: z
        .string()
        .transform((t) => t.replace(/[\s:]/g, '').toLowerCase())
        .pipe(z.string().regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/, 'a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint'))
        .optional(),
      machineName: z.string().min(1).max(256).optional(),
      displayName: DisplayName.optional(),
      description: Description.optional(),
      tags: z.array(Tag).max(50).optional(),
      maxTaskCount: MaxTaskCount.optional(),
      validateOnly: z.boolean().default(false),
    })
    .refine((b) => (b.certificate === undefined) !== (b.thumbprint === undefined), {
      message: 'give exactly one of certificate or thumbprint',
      path: ['certificate'],
    }),
  response: z.object({
    /** Absent when `validateOnly`. */
    worker: WorkerAgentView.optional(),
    /** Absent when added by thumbprint: the master learns the certificate when the worker first connects. */
    certificate: CertificateSummary.optional(),
    /** What the administrator does next, in order (install, configure, start, enable). */
    nextSteps: z.array(z.string()),
  }),
  status: 201,
});

export const removeWorker = defineEndpoint({
  operationId: 'removeWorker',
  method: 'DELETE',
  path: '/v1/workers/{workerAgentId}',
  summary: 'Remove a worker agent. Tasks it was running are re-queued (or end, when no retry is left).',
  access: admin,
  params: WorkerParams,
  response: null,
});

export const enableWorker = defineEndpoint({
  operationId: 'enableWorker',
  method: 'POST',
  path: '/v1/workers/{workerAgentId}/enable',
  summary: 'Enable a worker agent (SSISDB enable_worker_agent).',
  access: admin,
  params: WorkerParams,
  response: WorkerAgentView,
});

export const disableWorker = defineEndpoint({
  operationId: 'disableWorker',
  method: 'POST',
  path: '/v1/workers/{workerAgentId}/disable',
  summary: 'Disable a worker agent (SSISDB disable_worker_agent): it takes no new task and finishes the ones it runs.',
  access: admin,
  params: WorkerParams,
  response: WorkerAgentView,
});

export const setWorkerProperties = defineEndpoint({
  operationId: 'setWorkerProperties',
  method: 'PATCH',
  path: '/v1/workers/{workerAgentId}',
  summary: 'Set a worker\'s display name, description, tags or MaxTaskCount (SSISDB set_worker_agent_property).',
  access: admin,
  params: WorkerParams,
  body: WorkerAgentChanges,
  response: WorkerAgentView,
});

// Enrollment tokens: what `scaleout-worker join` presents to register a worker (contracts/enrollment.ts)

/** Longest an enrollment token may live: a week. */
export const maxEnrollmentTokenSeconds = 7 * 86_400;

export const createEnrollmentToken = defineEndpoint({
  operationId: 'createEnrollmentToken',
  method: 'POST',
  path: '/v1/enrollment-tokens',
  summary:
    'Create an enrollment token and the `scaleout-worker join` command that uses it. The token is in this answer only; the master keeps its hash.',
  access: admin,
  body: z.object({
    expiresInSeconds: z.int().min(60).max(maxEnrollmentTokenSeconds).default(3600),
    maxUses: z.int().min(1).max(1000).default(1),
    tags: z.array(Tag).max(50).default([]),
    maxTaskCount: MaxTaskCount.optional(),
    /** Workers that join with it start enabled (otherwise disabled, as in SSIS). */
    enableWorker: z.boolean().default(false),
  }),
  response: z.object({
    token: EnrollmentTokenView,
    secret: z.string(),
    /** What to run on the worker machine. */
    joinCommand: z.string(),
  }),
  status: 201,
});

export const listEnrollmentTokens = defineEndpoint({
  operationId: 'listEnrollmentTokens',
  method: 'GET',
  path: '/v1/enrollment-tokens',
  summary: 'Every enrollment token with its uses and status (never its secret).',
  access: admin,
  response: z.object({ tokens: z.array(EnrollmentTokenView) }),
});

export const revokeEnrollmentToken = defineEndpoint({
  operationId: 'revokeEnrollmentToken',
  method: 'DELETE',
  path: '/v1/enrollment-tokens/{tokenId}',
  summary: 'Revoke an enrollment token: no worker joins with it any more (the ones that did stay).',
  access: admin,
  params: z.object({ tokenId: z.string().min(1).max(32) }),
  response: EnrollmentTokenView,
});

// Projects and packages (SSISDB: deploy_project, catalog.packages)

const ProjectParams = z.object({ folderName: CatalogName, projectName: CatalogName });

/** Largest project archive the master accepts (Azure Functions' request limit). */
export const maxProjectArchiveBytes = 100 * 1024 * 1024;

export const deployProject = defineEndpoint({
  operationId: 'deployProject',
  idempotent: true,
  method: 'PUT',
  path: '/v1/folders/{folderName}/projects/{projectName}',
  summary:
    'Deploy a project archive (zip, at most 100 MB, with scaleout.json at its root) as the project\'s next version; the folder is created when missing.',
  access: executor,
  params: ProjectParams,
  body: { binary: 'application/zip' },
  response: ProjectVersionView,
  status: 201,
});

export const listFolders = defineEndpoint({
  operationId: 'listFolders',
  method: 'GET',
  path: '/v1/folders',
  summary: 'Every folder.',
  access: reader,
  response: z.object({ folders: z.array(FolderView) }),
});

export const listProjects = defineEndpoint({
  operationId: 'listProjects',
  method: 'GET',
  path: '/v1/projects',
  summary: 'The current version of every project (of one folder with `folder`), with its packages.',
  access: reader,
  query: z.object({ folder: CatalogName.optional() }),
  response: z.object({ projects: z.array(ProjectVersionView) }),
});

export const getProject = defineEndpoint({
  operationId: 'getProject',
  method: 'GET',
  path: '/v1/folders/{folderName}/projects/{projectName}',
  summary: 'A project version (the current one unless `version` is given) and its packages with their parameters.',
  access: reader,
  params: ProjectParams,
  query: z.object({ version: RowId.optional() }),
  response: ProjectVersionView,
});

export const listPackages = defineEndpoint({
  operationId: 'listPackages',
  method: 'GET',
  path: '/v1/folders/{folderName}/projects/{projectName}/packages',
  summary: 'The packages of a project\'s current version, with their declared parameters.',
  access: reader,
  params: ProjectParams,
  response: z.object({ packages: z.array(PackageView) }),
});

// Project versions (SSISDB: catalog.object_versions, restore_project)

export const listProjectVersions = defineEndpoint({
  operationId: 'listProjectVersions',
  method: 'GET',
  path: '/v1/folders/{folderName}/projects/{projectName}/versions',
  summary:
    'The versions of a project the catalog keeps (MAX_PROJECT_VERSIONS, 10 by default), newest first: who deployed each and when, and which is current.',
  access: reader,
  params: ProjectParams,
  response: z.object({ versions: z.array(ProjectVersionView) }),
});

export const restoreProject = defineEndpoint({
  operationId: 'restoreProject',
  method: 'POST',
  path: '/v1/folders/{folderName}/projects/{projectName}/restore',
  summary:
    'Make an earlier version current again (SSISDB restore_project): executions created from now on run it; executions already created keep theirs. The next deploy becomes current as usual.',
  access: executor,
  params: ProjectParams,
  body: z.object({ versionNumber: z.int().min(1) }),
  response: ProjectVersionView,
});

// Executions (SSISDB: create_execution, set_execution_parameter_value, add_execution_worker, start_execution,
// stop_operation, catalog.executions, catalog.event_messages)

export const createExecution = defineEndpoint({
  operationId: 'createExecution',
  idempotent: true,
  method: 'POST',
  path: '/v1/executions',
  summary:
    'Create an execution of a package (SSISDB create_execution). Parameter values are checked against the package\'s declared parameters. With `start`, it is started in the same step (start_execution).',
  access: executor,
  body: z.object({
    folderName: CatalogName,
    projectName: CatalogName,
    packageName: CatalogName,
    /** The project version; the latest when omitted. */
    versionNumber: z.int().positive().optional(),
    parameters: z.record(z.string().min(1).max(128), ParameterValue).optional(),
    /** SSISDB @useanyworker; false when `workerAgentIds` is given unless set. */
    useAnyWorker: z.boolean().optional(),
    /** The workers allowed to run it (SSISDB add_execution_worker). */
    workerAgentIds: z.array(WorkerAgentId).max(100).optional(),
    /** Only workers with every one of these tags may run it. */
    requiredTags: z.array(Tag).max(20).optional(),
    /** SSISDB @reference_id: the project's environment reference whose variables fill the parameters set to R. */
    referenceId: z.int().positive().optional(),
    /** Overrides the package's timeout. */
    timeoutMs: z.int().positive().max(7 * 24 * 3600 * 1000).optional(),
    start: z.boolean().default(false),
    /** With `start`: how many times a failed or lost attempt is retried (SSISDB start_execution @retry_count). */
    retryCount: z.int().min(0).max(10).default(0),
  }),
  response: ExecutionView,
  status: 201,
});

export const setExecutionParameterValue = defineEndpoint({
  operationId: 'setExecutionParameterValue',
  method: 'PUT',
  path: '/v1/executions/{executionId}/parameters/{parameterName}',
  summary: 'Set a parameter value of a created execution (SSISDB set_execution_parameter_value).',
  access: executor,
  params: z.object({ executionId: ExecutionId, parameterName: z.string().min(1).max(128) }),
  body: z.object({ value: ParameterValue }),
  response: ExecutionView,
});

export const addExecutionWorker = defineEndpoint({
  operationId: 'addExecutionWorker',
  method: 'POST',
  path: '/v1/executions/{executionId}/workers',
  summary: 'Allow a worker to run a created execution (SSISDB add_execution_worker); it then runs only on the workers added.',
  access: executor,
  params: ExecutionParams,
  body: z.object({ workerAgentId: WorkerAgentId }),
  response: ExecutionView,
});

export const startExecution = defineEndpoint({
  operationId: 'startExecution',
  idempotent: true,
  method: 'POST',
  path: '/v1/executions/{executionId}/start',
  summary: 'Start a created execution (SSISDB start_execution) with a retry count.',
  access: executor,
  params: ExecutionParams,
  body: z.object({ retryCount: z.int().min(0).max(10).default(0) }),
  response: ExecutionView,
});

export const stopExecution = defineEndpoint({
  operationId: 'stopExecution',
  method: 'POST',
  path: '/v1/executions/{executionId}/stop',
  summary:
    'Stop an execution (SSISDB stop_operation): a waiting one is canceled at once; a running one is stopping until its worker confirms.',
  access: executor,
  params: ExecutionParams,
  response: ExecutionView,
});

export const getExecution = defineEndpoint({
  operationId: 'getExecution',
  method: 'GET',
  path: '/v1/executions/{executionId}',
  summary: 'An execution with its parameters (sensitive ones masked), attempts and workers, and why it waits if it does.',
  access: reader,
  params: ExecutionParams,
  response: ExecutionView,
});

export const listExecutions = defineEndpoint({
  operationId: 'listExecutions',
  method: 'GET',
  path: '/v1/executions',
  summary: 'Executions, newest first, filtered and paged.',
  access: reader,
  query: z.object({
    /** One or more status codes (repeat the parameter: `status=2&status=5`). */
    status: z.array(decimalInteger({ min: 1, max: 9 })).max(9).optional(),
    folder: CatalogName.optional(),
    project: CatalogName.optional(),
    package: CatalogName.optional(),
    /** Created at or after this time. */
    since: Timestamp.optional(),
    parent: RowId.optional(),
    ...Paging,
  }),
  response: z.object({ executions: z.array(ExecutionSummaryView), nextOffset: z.int().nullable() }),
});

export const listExecutionEvents = defineEndpoint({
  operationId: 'listExecutionEvents',
  method: 'GET',
  path: '/v1/executions/{executionId}/events',
  summary: 'An execution\'s event messages after a cursor, oldest first. Pass `nextCursor` back as `after` to follow.',
  access: reader,
  params: ExecutionParams,
  query: z.object({
    after: decimalInteger({ min: 0 }).default(0),
    limit: decimalInteger({ min: 1, max: 5000 }).default(1000),
    /** `true`: the execution's and all its descendants' messages, in one stream. */
    tree: z.stringbool().default(false),
  }),
  response: z.object({ events: z.array(EventMessageView), nextCursor: z.int() }),
});

// Schedules (what SQL Server Agent jobs did)

const ScheduleParams = z.object({ scheduleId: RowId });

export const createSchedule = defineEndpoint({
  operationId: 'createSchedule',
  idempotent: true,
  method: 'POST',
  path: '/v1/schedules',
  summary:
    'Run a package on a cron expression in a time zone (what a SQL Server Agent job did). Its values are checked against the package now.',
  access: executor,
  body: z.object({
    name: z.string().trim().min(1).max(128),
    folderName: CatalogName,
    projectName: CatalogName,
    packageName: CatalogName,
    parameters: z.record(z.string().min(1).max(128), ParameterValue).optional(),
    workerAgentIds: z.array(WorkerAgentId).max(100).optional(),
    requiredTags: z.array(Tag).max(20).optional(),
    retryCount: z.int().min(0).max(10).default(0),
    timeoutMs: z.int().positive().max(7 * 24 * 3600 * 1000).optional(),
    /** The project's environment reference each run takes its configured parameters from. */
    referenceId: z.int().positive().optional(),
    /** 5 fields (minute hour day month weekday) or 6 (seconds first). */
    cron: z.string().trim().min(9).max(128),
    /** An IANA time zone, e.g. Europe/Paris. */
    timeZone: z.string().min(1).max(64).default('UTC'),
    misfirePolicy: MisfirePolicy.default('run-once'),
    enabled: z.boolean().default(true),
  }),
  response: ScheduleView,
  status: 201,
});

export const listSchedules = defineEndpoint({
  operationId: 'listSchedules',
  method: 'GET',
  path: '/v1/schedules',
  summary: 'Every schedule with its last and next run.',
  access: reader,
  response: z.object({ schedules: z.array(ScheduleView) }),
});

export const getSchedule = defineEndpoint({
  operationId: 'getSchedule',
  method: 'GET',
  path: '/v1/schedules/{scheduleId}',
  summary: 'One schedule.',
  access: reader,
  params: ScheduleParams,
  response: ScheduleView,
});

export const enableSchedule = defineEndpoint({
  operationId: 'enableSchedule',
  method: 'POST',
  path: '/v1/schedules/{scheduleId}/enable',
  summary: 'Enable a schedule: its next run is computed from now (slots missed while disabled are not run).',
  access: executor,
  params: ScheduleParams,
  response: ScheduleView,
});

export const disableSchedule = defineEndpoint({
  operationId: 'disableSchedule',
  method: 'POST',
  path: '/v1/schedules/{scheduleId}/disable',
  summary: 'Disable a schedule.',
  access: executor,
  params: ScheduleParams,
  response: ScheduleView,
});

export const removeSchedule = defineEndpoint({
  operationId: 'removeSchedule',
  method: 'DELETE',
  path: '/v1/schedules/{scheduleId}',
  summary: 'Remove a schedule. Executions it started are kept.',
  access: executor,
  params: ScheduleParams,
  response: null,
});

export const runScheduleNow = defineEndpoint({
  operationId: 'runScheduleNow',
  method: 'POST',
  path: '/v1/schedules/{scheduleId}/run-now',
  summary: 'Start the schedule\'s execution now; its next run stays as it was.',
  access: executor,
  params: ScheduleParams,
  response: ExecutionView,
  status: 201,
});

// API keys and audit

export const createApiKey = defineEndpoint({
  operationId: 'createApiKey',
  idempotent: true,
  method: 'POST',
  path: '/v1/api-keys',
  summary:
    'Create an API key with a role. The secret is in this answer only (and its replay for the same Idempotency-Key, kept encrypted for 24 hours); the master keeps its hash.',
  access: admin,
  body: z.object({ name: z.string().trim().min(1).max(128), role: ApiKeyRole }),
  response: z.object({ apiKey: ApiKeyView, secret: z.string() }),
  status: 201,
});

export const listApiKeys = defineEndpoint({
  operationId: 'listApiKeys',
  method: 'GET',
  path: '/v1/api-keys',
  summary: 'Every API key, revoked ones included (never their secrets).',
  access: admin,
  response: z.object({ apiKeys: z.array(ApiKeyView) }),
});

export const revokeApiKey = defineEndpoint({
  operationId: 'revokeApiKey',
  method: 'DELETE',
  path: '/v1/api-keys/{apiKeyId}',
  summary: 'Revoke an API key; it stops working at once on this instance and within seconds on the others.',
  access: admin,
  params: z.object({ apiKeyId: z.string().min(1).max(32) }),
  response: ApiKeyView,
});

export const listAuditTrail = defineEndpoint({
  operationId: 'listAuditTrail',
  method: 'GET',
  path: '/v1/audit',
  summary: 'Topology changes, newest first: who did what, when.',
  access: admin,
  query: z.object(Paging),
  response: z.object({ entries: z.array(AuditEntryView), nextOffset: z.int().nullable() }),
});

export const managementEndpoints = [
  getMasterStatus,
  enableScaleOut,
  listPoisonMessages,
  redrivePoisonMessages,
  listCatalogProperties,
  configureCatalog,
  getDashboard,
  getCaller,
  listWorkers,
  getWorker,
  addWorker,
  removeWorker,
  enableWorker,
  disableWorker,
  setWorkerProperties,
  createEnrollmentToken,
  listEnrollmentTokens,
  revokeEnrollmentToken,
  deployProject,
  listFolders,
  listProjects,
  getProject,
  listPackages,
  listProjectVersions,
  restoreProject,
  createExecution,
  setExecutionParameterValue,
  addExecutionWorker,
  startExecution,
  stopExecution,
  getExecution,
  listExecutions,
  listExecutionEvents,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  listAuditTrail,
  createSchedule,
  listSchedules,
  getSchedule,
  enableSchedule,
  disableSchedule,
  removeSchedule,
  runScheduleNow,
  ...environmentEndpoints,
  ...permissionEndpoints,
] as const;
