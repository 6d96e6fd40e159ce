import { postEvents } from '../../../contracts/worker-protocol.js';
import { StaleAttemptError } from '../../catalog/errors.js';
import { eventRowsOf, packEventBatches } from '../../events/queued-events.js';
import { defineHandler } from '../../http/define-handler.js';

/**
 * The 202 means the lines are durable. In Azure they go to the Storage queue (replicated before it answers), so a
 * burst of logging never waits on the catalog, which may be pausing. On the one-box the queue is the master's own
 * Azurite, which keeps its state in memory and saves it only every few seconds: a crash would lose what it held, so
 * the lines are committed to the SQLite catalog (synchronous, on disk) before the answer instead.
 * Lines are accepted from the worker that ran the attempt even after its lease ended, so nothing it logged is
 * lost; another worker's lines for the attempt are refused.
 */
export const postEventsFunction = defineHandler(postEvents, async ({ params, body, caller }, services) => {
  const task = await services.catalog.getTask(params.taskId);
  if (task.workerAgentId !== caller.workerAgentId || task.attemptNumber !== body.attemptNumber) {
    throw new StaleAttemptError(params.taskId, body.attemptNumber, 'this worker does not hold this attempt');
  }
  if (services.ownAzurite) {
    await services.catalog.appendEventMessages(eventRowsOf(task.executionId, task.taskId, body.events));
    return { accepted: body.events.length };
  }
  // All at once: the drain orders nothing (each line carries its sequence number), and a batch answers sooner.
  await Promise.all(packEventBatches(task.executionId, task.taskId, body.events).map((message) => services.eventQueue.send(message)));
  services.onEventsQueued();
  return { accepted: body.events.length };
});
