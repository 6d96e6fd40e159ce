import { claimTasks } from '../../../contracts/worker-protocol.js';
import { waitForWork } from '../../claims/wait-for-work.js';
import { defineHandler } from '../../http/define-handler.js';
import { toClaimedTaskView } from '../views.js';

/**
 * A worker asks for up to `freeSlots` tasks. With nothing to take, the request may wait (up to the master's cap:
 * 0 in Azure, where idle workers wait for their doorbell instead) for work started on this instance or for the
 * worker's doorbell; the wait itself costs no catalog query. A retried claim (same claim id) gets back the tasks
 * it already leased.
 */
export const claimTasksFunction = defineHandler(claimTasks, async ({ body, caller, request }, services) => {
  const { catalog, workSignal, config } = services;
  const deadline = Date.now() + Math.min(body.waitMs, config.claimMaxWaitMs);
  let generation = workSignal.generation;
  let tasks = await catalog.claimTasks(caller.workerAgentId, body.freeSlots, body.claimId);
  while (tasks.length === 0) {
    const woken = await waitForWork(services, caller.workerAgentId, generation, deadline - Date.now(), request.signal);
    if (woken === null) break;
    generation = woken;
    tasks = await catalog.claimTasks(caller.workerAgentId, body.freeSlots, body.claimId);
    // Nothing here for this worker, or it took all it could and more may be waiting: let another claim look.
    if (tasks.length === 0 || tasks.length === body.freeSlots) workSignal.passOn(woken);
  }
  if (tasks.length > 0) services.alarms.leasesTaken();
  const claimed = [];
  for (const task of tasks) claimed.push(toClaimedTaskView(task, await services.taskCredentials.issue(task)));
  return { tasks: claimed, leaseMs: config.leaseMs };
});
