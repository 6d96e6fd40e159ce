import {
  getChildExecution,
  listChildExecutionEvents,
  listChildExecutions,
  startChildExecution,
  stopChildExecution,
} from '../../../contracts/task-api.js';
import type { TaskCaller } from '../../auth/task-credentials.js';
import { ExecutionStatus, type Execution } from '../../catalog/domain.js';
import { defineHandler } from '../../http/define-handler.js';
import { HttpProblem, ProblemType } from '../../http/problem.js';
import type { MasterServices } from '../../master-services.js';
import { executionView } from '../management/executions.js';
import { toEventMessageView, toExecutionSummaryView } from '../views.js';
import { ringDoorbell, workOf } from '../../claims/ring-doorbell.js';

/** Who a child records as its creator: the parent execution. */
const actorOf = (caller: TaskCaller): string => `execution:${caller.executionId}`;

/** A child of the caller's execution, or 403: a task credential reaches no other execution. */
async function childOf(services: MasterServices, caller: TaskCaller, executionId: number): Promise<Execution> {
  const execution = await services.catalog.getExecution(executionId);
  if (execution.parentExecutionId !== caller.executionId) {
    throw new HttpProblem({
      type: ProblemType.forbidden,
      title: 'Forbidden',
      status: 403,
      detail: `execution ${executionId} is not a child of execution ${caller.executionId}`,
    });
  }
  return execution;
}

export const startChildExecutionFunction = defineHandler(startChildExecution, async ({ body, caller }, services) => {
  const child = await services.catalog.createExecution(
    {
      folderName: body.folderName,
      projectName: body.projectName,
      packageName: body.packageName,
      versionNumber: body.versionNumber,
      parameters: body.parameters,
      allowedWorkerIds: body.workerAgentIds,
      requiredTags: body.requiredTags,
      timeoutMs: body.timeoutMs,
      parentExecutionId: caller.executionId,
      childKey: body.key,
      start: { retryCount: body.retryCount },
    },
    actorOf(caller),
  );
  if (child.status === ExecutionStatus.pending) await ringDoorbell(services, workOf(child));
  return executionView(services, child);
});

export const listChildExecutionsFunction = defineHandler(listChildExecutions, async ({ caller }, { catalog }) => {
  const page = await catalog.listExecutions({ parentExecutionId: caller.executionId }, { limit: 500, offset: 0 });
  return { executions: page.items.reverse().map(toExecutionSummaryView) };
});

export const getChildExecutionFunction = defineHandler(getChildExecution, async ({ params, caller }, services) =>
  executionView(services, await childOf(services, caller, params.executionId)),
);

export const stopChildExecutionFunction = defineHandler(stopChildExecution, async ({ params, caller }, services) => {
  await childOf(services, caller, params.executionId);
  return executionView(services, await services.catalog.stopOperation(params.executionId, actorOf(caller)));
});

export const listChildExecutionEventsFunction = defineHandler(listChildExecutionEvents, async ({ params, query, caller }, services) => {
  await childOf(services, caller, params.executionId);
  const events = await services.catalog.listEventMessages(params.executionId, query.after, query.limit);
  return { events: events.map(toEventMessageView), nextCursor: events.at(-1)?.eventMessageId ?? query.after };
});
