import * as z from 'zod';
import { CatalogName, decimalInteger, ExecutionId, ParameterValue, Tag, WorkerAgentId } from './common.js';
import { defineEndpoint } from './endpoint.js';
import { EventMessageView, ExecutionSummaryView, ExecutionView } from './management/views.js';

/**
 * The task API (`/api/v1/task/...`): what a running package may do with its task-scoped credential. It starts
 * child executions of its own execution (on any eligible worker, on named workers, or on workers with tags — the
 * "remote servers" of the old SQL Server Agent pattern), waits for them, reads their status and log, and stops
 * them. Nothing else: the credential is refused by the management API (403) and ends with the attempt's lease.
 *
 * The worker gives the package these environment variables (never on a command line).
 */
export const taskEnvironment = {
  /** The master's address. */
  masterUrl: 'SCALEOUT_MASTER_URL',
  /** The task-scoped credential: send it as `Authorization: Bearer <credential>`. */
  taskCredential: 'SCALEOUT_TASK_CREDENTIAL',
  /** The master certificate's thumbprint to pin, when the worker pins one. */
  masterThumbprint: 'SCALEOUT_MASTER_THUMBPRINT',
  /** This execution's id. */
  executionId: 'SCALEOUT_EXECUTION_ID',
} as const;

const task = { kind: 'task' } as const;
const ChildParams = z.object({ executionId: ExecutionId });

export const startChildExecution = defineEndpoint({
  operationId: 'startChildExecution',
  method: 'POST',
  path: '/v1/task/children',
  summary:
    'Start a child execution of the calling package\'s execution. A `key` names the child: asked again with the same key (e.g. by a retried parent), the existing child is returned.',
  access: task,
  body: z.object({
    folderName: CatalogName,
    projectName: CatalogName,
    packageName: CatalogName,
    versionNumber: z.int().positive().optional(),
    parameters: z.record(z.string().min(1).max(128), ParameterValue).optional(),
    /** Placement: only these workers… */
    workerAgentIds: z.array(WorkerAgentId).max(100).optional(),
    /** …or only workers with all these tags; neither: any eligible worker. */
    requiredTags: z.array(Tag).max(20).optional(),
    retryCount: z.int().min(0).max(10).default(0),
    timeoutMs: z.int().positive().max(7 * 24 * 3600 * 1000).optional(),
    key: z.string().min(1).max(128).optional(),
  }),
  response: ExecutionView,
  status: 201,
});

export const listChildExecutions = defineEndpoint({
  operationId: 'listChildExecutions',
  method: 'GET',
  path: '/v1/task/children',
  summary: 'The child executions of the calling package\'s execution, oldest first.',
  access: task,
  response: z.object({ executions: z.array(ExecutionSummaryView) }),
});

export const getChildExecution = defineEndpoint({
  operationId: 'getChildExecution',
  method: 'GET',
  path: '/v1/task/children/{executionId}',
  summary: 'One child execution: its status, message and attempts.',
  access: task,
  params: ChildParams,
  response: ExecutionView,
});

export const stopChildExecution = defineEndpoint({
  operationId: 'stopChildExecution',
  method: 'POST',
  path: '/v1/task/children/{executionId}/stop',
  summary: 'Stop a child execution (and its own children).',
  access: task,
  params: ChildParams,
  response: ExecutionView,
});

export const listChildExecutionEvents = defineEndpoint({
  operationId: 'listChildExecutionEvents',
  method: 'GET',
  path: '/v1/task/children/{executionId}/events',
  summary: 'A child execution\'s event messages after a cursor.',
  access: task,
  params: ChildParams,
  query: z.object({
    after: decimalInteger({ min: 0 }).default(0),
    limit: decimalInteger({ min: 1, max: 5000 }).default(1000),
  }),
  response: z.object({ events: z.array(EventMessageView), nextCursor: z.int() }),
});

export const taskEndpoints = [
  startChildExecution,
  listChildExecutions,
  getChildExecution,
  stopChildExecution,
  listChildExecutionEvents,
] as const;
