import {
  addExecutionWorker,
  createExecution,
  getExecution,
  listExecutionEvents,
  listExecutions,
  setExecutionParameterValue,
  startExecution,
  stopExecution,
} from '../../../contracts/management/endpoints.js';
import type { IdempotencyGuard, WrittenExecution } from '../../catalog/catalog.js';
import { ExecutionStatus, type Execution, type ExecutionStatus as Status } from '../../catalog/domain.js';
import type { IdempotentRequest } from '../../http/idempotent-request.js';
import { waitingReason } from '../../executions/waiting-reason.js';
import { projectRef, type CallerPermissions } from '../../auth/caller-permissions.js';
import { defineHandler } from '../../http/define-handler.js';
import type { MasterServices } from '../../master-services.js';
import type { ExecutionView } from '../../../contracts/management/views.js';
import { toEventMessageView, toExecutionSummaryView, toExecutionView } from '../views.js';
import { ringDoorbell, workOf } from '../../claims/ring-doorbell.js';

/** An execution as the API shows it: with its attempts and children, and why it waits when it does. */
export async function executionView(services: MasterServices, execution: Execution) {
  const { catalog } = services;
  const scaleOut = execution.status === ExecutionStatus.pending ? await catalog.getScaleOutState() : null;
  // Direct children, oldest first: a parent fans out to tens, not thousands.
  const children =
    execution.childCount === 0
      ? []
      : (await catalog.listExecutions({ parentExecutionId: execution.executionId }, { limit: 500, offset: 0 })).items.reverse();
  return writtenExecutionView(services, { execution, scaleOut, children });
}

/** The view of what a create or start wrote, from what its transaction read with it: it reads nothing more. */
function writtenExecutionView({ clock, config }: MasterServices, { execution, scaleOut, children }: WrittenExecution) {
  return toExecutionView(execution, waitingReason(execution, scaleOut, clock.now(), config.workerOfflineAfterMs), children);
}

/**
 * A create's or start's answer: with an Idempotency-Key, made inside the write's transaction and kept with the key;
 * without one, after the write.
 */
async function answerWrite(
  services: MasterServices,
  idempotency: IdempotentRequest | undefined,
  write: (guard: IdempotencyGuard<WrittenExecution> | undefined) => Promise<Execution>,
) {
  let answer: ExecutionView | undefined;
  const execution = await write(idempotency?.guard((written: WrittenExecution) => (answer = writtenExecutionView(services, written))));
  // A pending execution has its attempt queued: a worker waiting for work hears of it.
  if (execution.status === ExecutionStatus.pending) await ringDoorbell(services, workOf(execution));
  return answer ?? executionView(services, execution);
}

/** An execution's answer again, for a retried create or start whose key an older master recorded without it. */
const replayExecution = async (result: Record<string, unknown>, services: MasterServices) =>
  executionView(services, await services.catalog.getExecution(Number(result['executionId'])));

export const createExecutionFunction = defineHandler(createExecution, async ({ body, caller, permissions, idempotency }, services) => {
  await permissions.requireToExecute(body.folderName, body.projectName, body.referenceId);
  return answerWrite(services, idempotency, (guard) => services.catalog.createExecution(
    {
      folderName: body.folderName,
      projectName: body.projectName,
      packageName: body.packageName,
      versionNumber: body.versionNumber,
      parameters: body.parameters,
      useAnyWorker: body.useAnyWorker,
      allowedWorkerIds: body.workerAgentIds,
      requiredTags: body.requiredTags,
      referenceId: body.referenceId,
      timeoutMs: body.timeoutMs,
      start: body.start ? { retryCount: body.retryCount } : undefined,
    },
    caller.actor,
    guard,
  ));
}, { replay: replayExecution });

/** The execution, once the caller is known to hold the permission on its project. */
async function executionWith(permission: 'READ' | 'EXECUTE', permissions: CallerPermissions, services: MasterServices, executionId: number) {
  const execution = await services.catalog.getExecution(executionId);
  await permissions.require(permission, projectRef(execution.folderName, execution.projectName));
  return execution;
}

export const setExecutionParameterValueFunction = defineHandler(setExecutionParameterValue, async ({ params, body, permissions }, services) => {
  await executionWith('EXECUTE', permissions, services, params.executionId);
  return executionView(services, await services.catalog.setExecutionParameterValue(params.executionId, params.parameterName, body.value));
});

export const addExecutionWorkerFunction = defineHandler(addExecutionWorker, async ({ params, body, permissions }, services) => {
  await executionWith('EXECUTE', permissions, services, params.executionId);
  return executionView(services, await services.catalog.addExecutionWorker(params.executionId, body.workerAgentId));
});

export const startExecutionFunction = defineHandler(startExecution, async ({ params, body, permissions, idempotency }, services) => {
  await executionWith('EXECUTE', permissions, services, params.executionId);
  return answerWrite(services, idempotency, (guard) => services.catalog.startExecution(params.executionId, { retryCount: body.retryCount }, guard));
}, { replay: replayExecution });

export const stopExecutionFunction = defineHandler(stopExecution, async ({ params, caller, permissions }, services) => {
  await executionWith('EXECUTE', permissions, services, params.executionId);
  return executionView(services, await services.catalog.stopOperation(params.executionId, caller.actor));
});

export const getExecutionFunction = defineHandler(getExecution, async ({ params, permissions }, services) =>
  executionView(services, await executionWith('READ', permissions, services, params.executionId)),
);

export const listExecutionsFunction = defineHandler(listExecutions, async ({ query, permissions }, { catalog }) => {
  const page = await catalog.listExecutions(
    {
      projects: await permissions.readableProjects(),
      status: query.status as Status[] | undefined,
      folderName: query.folder,
      projectName: query.project,
      packageName: query.package,
      createdSince: query.since === undefined ? undefined : Date.parse(query.since),
      parentExecutionId: query.parent,
    },
    { limit: query.limit, offset: query.offset },
  );
  return { executions: page.items.map(toExecutionSummaryView), nextOffset: page.nextOffset };
});

export const listExecutionEventsFunction = defineHandler(listExecutionEvents, async ({ params, query, permissions }, services) => {
  const { catalog } = services;
  // Reading events of an execution that does not exist is a 404, not an empty list.
  const execution = await executionWith('READ', permissions, services, params.executionId);
  const events = await catalog.listEventMessages(execution.executionId, query.after, query.limit, { tree: query.tree });
  return { events: events.map(toEventMessageView), nextCursor: events.at(-1)?.eventMessageId ?? query.after };
});
