import { executionStatusNames } from '../../../contracts/common.js';
import { completeTask } from '../../../contracts/worker-protocol.js';
import { defineHandler } from '../../http/define-handler.js';
import { anyWorker, ringDoorbell } from '../../claims/ring-doorbell.js';

export const completeTaskFunction = defineHandler(completeTask, async ({ params, body, caller }, services) => {
  const result = await services.catalog.completeTask(caller.workerAgentId, {
    taskId: params.taskId,
    attemptNumber: body.attemptNumber,
    outcome: body.outcome,
    exitCode: body.exitCode ?? undefined,
    message: body.message,
  });
  if (result.retryAttemptNumber !== undefined) await ringDoorbell(services, anyWorker);
  return {
    executionStatus: result.executionStatus,
    executionStatusName: executionStatusNames[result.executionStatus],
    alreadyRecorded: result.alreadyRecorded,
  };
});
