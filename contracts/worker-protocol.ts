import * as z from 'zod';
import { ExecutionStatusCode, ExecutionStatusName, ParameterValue, RowId } from './common.js';
import { DoorbellTicket } from './doorbell.js';
import { defineEndpoint } from './endpoint.js';

/**
 * The worker protocol (`/api/v1/agent/...`): how a worker agent leases tasks, keeps its leases, ships event
 * messages and reports how each attempt ended. Every request carries the worker's signed token (worker-auth.ts).
 *
 * Durations are relative (`leaseMs`), never absolute deadlines: a worker's clock need not agree with the master's.
 */

export const TaskRef = z.object({
  taskId: z.int().positive(),
  /** The fencing token: reports about any other attempt of the task are refused. */
  attemptNumber: z.int().positive(),
});
export type TaskRef = z.infer<typeof TaskRef>;

export const PackageRunner = z.enum(['node', 'process', 'dtexec']);

export const ClaimedTask = z
  .object({
    taskId: z.int().positive(),
    attemptNumber: z.int().positive(),
    executionId: z.int().positive(),
    folderName: z.string(),
    projectName: z.string(),
    packageName: z.string(),
    /** The project version's archive: fetch it once per SHA-256 and verify it. */
    archive: z.object({ projectVersionId: z.int().positive(), sha256: z.string().length(64), size: z.int().min(0) }),
    runner: PackageRunner,
    /** The module, executable or .dtsx to run, relative to the unpacked archive. */
    entry: z.string(),
    arguments: z.array(z.string()),
    /** Every parameter value, sensitive ones included (decrypted for the lease holder only). */
    parameters: z.record(z.string(), ParameterValue),
    sensitiveParameterNames: z.array(z.string()),
    /** Stop the package and report it failed after this long; `null` for no limit. */
    timeoutMs: z.int().positive().nullable(),
    /**
     * The package's own credential (task-api.ts): it may start, stop and read child executions of this
     * execution, and stops working when this attempt's lease ends. Hand it to the package, never log it.
     */
    taskCredential: z.string(),
  })
  .meta({ id: 'ClaimedTask' });
export type ClaimedTask = z.infer<typeof ClaimedTask>;

export const AgentInfo = z
  .object({
    agentVersion: z.string().max(64),
    os: z.string().max(256),
    machineName: z.string().max(256),
    userAccount: z.string().max(256),
  })
  .meta({ id: 'AgentInfo' });
export type AgentInfo = z.infer<typeof AgentInfo>;

export const claimTasks = defineEndpoint({
  operationId: 'claimTasks',
  method: 'POST',
  path: '/v1/agent/tasks/claim',
  summary: 'Lease up to `freeSlots` tasks; waits up to `waitMs` (capped by the master) when there are none.',
  access: { kind: 'worker' },
  body: z.object({
    freeSlots: z.int().min(1).max(1000),
    /** How long the master may hold the request open waiting for work. The master caps it by configuration. */
    waitMs: z.int().min(0).max(120_000).default(0),
    /**
     * A new id for each claim, the same when the claim is sent again after its answer was lost (a dropped
     * connection): the master then answers the tasks that claim already leased, instead of leasing others while
     * those wait to expire.
     */
    claimId: z
      .string()
      .regex(/^[A-Za-z0-9-]{8,64}$/, '8 to 64 letters, digits and dashes (a UUID)')
      .optional(),
  }),
  response: z.object({
    tasks: z.array(ClaimedTask),
    /** How long each lease lasts without a heartbeat. */
    leaseMs: z.int().positive(),
  }),
});

export const heartbeat = defineEndpoint({
  operationId: 'workerHeartbeat',
  method: 'POST',
  path: '/v1/agent/heartbeat',
  summary:
    'One heartbeat for all running tasks: renews their leases, returns the ones lost and the ones to cancel, and marks the worker online.',
  access: { kind: 'worker' },
  body: z.object({ tasks: z.array(TaskRef).max(1000), agent: AgentInfo }),
  response: z.object({
    leaseMs: z.int().positive(),
    renewed: z.array(TaskRef),
    /**
     * Attempts this worker no longer holds: kill them and report no completion (it would be refused). The event
     * messages they logged until then are still accepted from this worker.
     */
    lost: z.array(TaskRef),
    /** Attempts whose execution is being stopped: cancel them and report `canceled`. */
    cancel: z.array(TaskRef),
    /** A disabled worker gets no new tasks but finishes the ones it runs. */
    workerEnabled: z.boolean(),
    /**
     * This worker's doorbell: when it is idle, it reads it and claims as soon as it rings (work it may take became
     * claimable on any instance of the master). Absent when the master has none: the worker then polls.
     */
    doorbell: DoorbellTicket.optional(),
    /**
     * With a doorbell and while enabled: the worker need beat no more often than this when idle (its work comes
     * through the doorbell; the heartbeat only keeps it shown online, and each is a billed request in Azure).
     */
    idleHeartbeatMs: z.int().positive().optional(),
  }),
});

export const EventType = z.enum(['error', 'warning', 'information', 'progress']);
export type EventType = z.infer<typeof EventType>;

/** Most lines a worker sends in one request, and the longest line it sends whole. */
export const maxEventsPerRequest = 2000;
export const maxEventMessageLength = 16_384;

export const WorkerEvent = z.object({
  /** 1, 2, 3… per attempt, so a batch delivered twice is stored once. */
  sequenceNumber: z.int().positive(),
  time: z.iso.datetime({ offset: true }),
  type: EventType,
  /** `stdout`, `stderr`, `package`, or the runner's name. */
  source: z.string().min(1).max(256),
  message: z.string().max(maxEventMessageLength),
});
export type WorkerEvent = z.infer<typeof WorkerEvent>;

export const postEvents = defineEndpoint({
  operationId: 'postTaskEvents',
  method: 'POST',
  path: '/v1/agent/tasks/{taskId}/events',
  summary: 'Ship a batch of event messages of one attempt. They reach the catalog through the event queue.',
  access: { kind: 'worker' },
  params: z.object({ taskId: RowId }),
  body: z.object({ attemptNumber: z.int().positive(), events: z.array(WorkerEvent).min(1).max(maxEventsPerRequest) }),
  response: z.object({ accepted: z.int().min(0) }),
  status: 202,
});

export const TaskOutcome = z.enum(['succeeded', 'failed', 'canceled', 'abandoned']);
export type TaskOutcome = z.infer<typeof TaskOutcome>;

export const completeTask = defineEndpoint({
  operationId: 'completeTask',
  method: 'POST',
  path: '/v1/agent/tasks/{taskId}/complete',
  summary:
    'Report how an attempt ended. A stale attempt (lease lost, or another attempt current) is refused with 409 and changes nothing.',
  access: { kind: 'worker' },
  params: z.object({ taskId: RowId }),
  body: z.object({
    attemptNumber: z.int().positive(),
    /** `abandoned`: the worker gave the task up (shutdown, master unreachable too long); it may be retried. */
    outcome: TaskOutcome,
    exitCode: z.int().nullable().default(null),
    message: z.string().max(4000).optional(),
  }),
  response: z.object({
    executionStatus: ExecutionStatusCode,
    executionStatusName: ExecutionStatusName,
    /** This exact report had already been recorded: a retried delivery. */
    alreadyRecorded: z.boolean(),
  }),
});

/** Header carrying the archive's SHA-256 (hex) on download. */
export const archiveSha256Header = 'x-scaleout-sha256';

export const downloadArchive = defineEndpoint({
  operationId: 'downloadProjectArchive',
  method: 'GET',
  path: '/v1/agent/archives/{projectVersionId}',
  summary: 'Download a project version\'s archive (zip). Its SHA-256 is in the x-scaleout-sha256 header.',
  access: { kind: 'worker' },
  params: z.object({ projectVersionId: RowId }),
  response: { binary: 'application/zip' },
});

export const workerEndpoints = [claimTasks, heartbeat, postEvents, completeTask, downloadArchive] as const;
