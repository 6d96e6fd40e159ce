import type { ParameterValue } from '../../../contracts/common.js';
import {
  createExecution,
  getExecution,
  listExecutionEvents,
  listExecutions,
  stopExecution,
} from '../../../contracts/management/endpoints.js';
import type { EventMessageView, ExecutionSummaryView, ExecutionView } from '../../../contracts/management/views.js';
import {
  getChildExecution,
  listChildExecutionEvents,
  startChildExecution,
  stopChildExecution,
} from '../../../contracts/task-api.js';
import type { ApiCaller, MasterApi } from '../client.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { TaskConnection } from '../task-credential.js';
import { resolveReferenceId } from './resolve-reference.js';
import { resolveWorkerIds, workerNames } from './resolve-worker.js';

/** What `execution run` asks for, whoever runs it. */
export interface RunRequest {
  folderName: string;
  projectName: string;
  packageName: string;
  versionNumber?: number;
  parameters?: Record<string, ParameterValue>;
  /** Worker references as typed: IDs, or (with an API key) names and ID prefixes. */
  workers?: string[];
  requiredTags?: string[];
  retryCount: number;
  timeoutMs?: number;
  /** Names a child among its siblings (task API only). */
  key?: string;
  /** `FOLDER/ENVIRONMENT` the project references (management API only). */
  environment?: string;
}

export interface Descendant {
  execution: ExecutionSummaryView;
  depth: number;
}

export interface EventPage {
  events: EventMessageView[];
  nextCursor: number;
}

/**
 * What `execution run|show|stop|logs` need of the master, in one of two ways: the management API with an API key
 * (any execution; an execution's log with all its descendants'), or the task API with a running package's
 * credential (its own execution's children, each child's own log).
 */
export interface ExecutionAccess {
  readonly kind: 'management' | 'task';
  run(request: RunRequest): Promise<ExecutionView>;
  get(executionId: number): Promise<ExecutionView>;
  stop(executionId: number): Promise<ExecutionView>;
  /** Event messages after a cursor, oldest first; with `tree`, the descendants' too where the credential allows. */
  events(executionId: number, after: number, limit: number, tree: boolean): Promise<EventPage>;
  /** Another execution of the tree (a parent, a grandchild), or undefined when the credential cannot see it. */
  describe(executionId: number): Promise<ExecutionSummaryView | undefined>;
  /**
   * The execution's descendants, depth first, each after its parent, siblings oldest first; `depth` 0 for a child.
   * Only its children when the credential cannot see deeper.
   */
  descendants(execution: ExecutionView): Promise<Descendant[]>;
  workerNames(): Promise<Map<string, string>>;
  /** The calling package's own execution, with a task credential: `execution show` calls it the parent. */
  readonly self: number | undefined;
}

/** Contract fields → the options that set them, for error messages. */
export const runFlags = {
  'body.parameters': '--param',
  'body.workerAgentIds': '--worker',
  'body.requiredTags': '--tag',
  'body.retryCount': '--retry',
  'body.timeoutMs': '--package-timeout',
  'body.versionNumber': '--version',
  'body.key': '--key',
  'body.referenceId': '--environment',
  referenceId: '--environment',
  // The master's own checks name the fields without `body.`.
  parameters: '--param',
};

export function managementAccess(api: MasterApi): ExecutionAccess {
  return {
    kind: 'management',
    self: undefined,
    async run(request) {
      if (request.key !== undefined) {
        throw usageError('--key names a child execution: it applies inside a package only (SCALEOUT_TASK_CREDENTIAL)');
      }
      const workerAgentIds = request.workers ? await resolveWorkerIds(api, request.workers) : undefined;
      const referenceId = request.environment === undefined ? undefined : await resolveReferenceId(api, request, request.environment);
      const { workers: _, key: __, environment: ___, ...rest } = request;
      return api.call(
        createExecution,
        { body: { ...rest, ...(workerAgentIds ? { workerAgentIds } : {}), ...(referenceId !== undefined ? { referenceId } : {}), start: true } },
        { flags: runFlags },
      );
    },
    get: (executionId) => api.call(getExecution, { params: { executionId } }),
    stop: (executionId) => api.call(stopExecution, { params: { executionId } }),
    events: (executionId, after, limit, tree) => api.call(listExecutionEvents, { params: { executionId }, query: { after, limit, tree: tree ? 'true' : 'false' } }),
    async describe(executionId) {
      try {
        return await api.call(getExecution, { params: { executionId } });
      } catch (error) {
        if (error instanceof CliError && error.exitCode === ExitCode.notFound) return undefined;
        throw error;
      }
    },
    async descendants(execution) {
      // Trees are a parent and its tens of children, seldom deeper: one list call per execution.
      const below = async (parent: number, depth: number): Promise<Descendant[]> => {
        const { executions } = await api.call(listExecutions, { query: { parent, limit: 500 } });
        return expand([...executions].sort((a, b) => a.executionId - b.executionId), depth);
      };
      const expand = async (children: readonly ExecutionSummaryView[], depth: number): Promise<Descendant[]> => {
        const tree: Descendant[] = [];
        for (const child of children) tree.push({ execution: child, depth }, ...(await below(child.executionId, depth + 1)));
        return tree;
      };
      // Listed afresh, not taken from `execution.children`: a follower asks again after the execution has ended.
      return below(execution.executionId, 0);
    },
    workerNames: () => workerNames(api),
  };
}

/**
 * Inside a package: the calling execution's children through the task API. Workers are named by ID (the task
 * credential cannot list them) and a child's log is its own (the task API has no tree).
 */
export function taskAccess(api: ApiCaller, task: TaskConnection): ExecutionAccess {
  return {
    kind: 'task',
    self: task.executionId,
    async run(request) {
      if (request.environment !== undefined) {
        throw usageError('--environment applies with an API key, not inside a package (a child takes the values its parent gives)');
      }
      const { workers, environment: _, ...rest } = request;
      return api.call(startChildExecution, { body: { ...rest, ...(workers ? { workerAgentIds: workers } : {}) } }, { flags: runFlags });
    },
    get: (executionId) => api.call(getChildExecution, { params: { executionId } }),
    stop: (executionId) => api.call(stopChildExecution, { params: { executionId } }),
    events: (executionId, after, limit) => api.call(listChildExecutionEvents, { params: { executionId }, query: { after, limit } }),
    describe: () => Promise.resolve(undefined),
    descendants: (execution) => Promise.resolve(execution.children.map((child) => ({ execution: child, depth: 0 }))),
    workerNames: () => Promise.resolve(new Map()),
  };
}
