import { postEvents } from '../../../contracts/worker-protocol.js';
import { StaleAttemptError } from '../../catalog/errors.js';
import { packEventBatches } from '../../events/queued-events.js';
import { defineHandler } from '../../http/define-handler.js';

/**
 * Event messages go to the queue, not straight to the catalog: a burst of logging never waits on the catalog.
 * Lines are accepted from the worker that ran the attempt even after its lease ended, so nothing it logged is
 * lost; another worker's lines for the attempt are refused.
 */
export const postEventsFunction = defineHandler(postEvents, async ({ params, body, caller }, services) => {
  const task = await services.catalog.getTask(params.taskId);
  if (task.workerAgentId !== caller.workerAgentId || task.attemptNumber !== body.attemptNumber) {
    throw new StaleAttemptError(params.taskId, body.attemptNumber, 'this worker does not hold this attempt');
  }
  for (const message of packEventBatches(task.executionId, task.taskId, body.events)) {
    await services.eventQueue.send(message);
  }
  services.onEventsQueued();
  return { accepted: body.events.length };
});
