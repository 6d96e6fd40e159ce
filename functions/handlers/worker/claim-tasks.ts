import { claimTasks } from '../../../contracts/worker-protocol.js';
import { defineHandler } from '../../http/define-handler.js';
import { toClaimedTaskView } from '../views.js';

/**
 * A worker asks for up to `freeSlots` tasks. With nothing to take, the request waits (up to the master's cap)
 * for work started on this instance; the wait itself costs no catalog query. Work started on another instance
 * is seen at the worker's next claim.
 */
export const claimTasksFunction = defineHandler(claimTasks, async ({ body, caller, request }, services) => {
  const { catalog, workSignal, config } = services;
  const deadline = Date.now() + Math.min(body.waitMs, config.claimMaxWaitMs);
  let generation = workSignal.generation;
  let tasks = await catalog.claimTasks(caller.workerAgentId, body.freeSlots);
  while (tasks.length === 0) {
    const woken = await workSignal.wait(generation, deadline - Date.now(), request.signal);
    if (woken === null) break;
    generation = woken;
    tasks = await catalog.claimTasks(caller.workerAgentId, body.freeSlots);
    // Nothing here for this worker, or it took all it could and more may be waiting: let another claim look.
    if (tasks.length === 0 || tasks.length === body.freeSlots) workSignal.passOn(woken);
  }
  const claimed = [];
  for (const task of tasks) claimed.push(toClaimedTaskView(task, await services.taskCredentials.issue(task)));
  return { tasks: claimed, leaseMs: config.leaseMs };
});
