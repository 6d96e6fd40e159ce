import { claimTasks } from '../../../contracts/worker-protocol.js';
import { waitForWork } from '../../claims/wait-for-work.js';
import { defineHandler, type HandlerInput } from '../../http/define-handler.js';
import type { MasterServices } from '../../master-services.js';
import { toClaimedTaskView } from '../views.js';

/**
 * A worker asks for up to `freeSlots` tasks. With nothing to take, the request may wait (up to the master's cap:
 * 0 in Azure, where idle workers wait for their doorbell instead) for work started on this instance or for the
 * worker's doorbell; the wait itself costs no catalog query. A retried claim (same claim id) gets back the tasks
 * it already leased.
 */
export const claimTasksFunction = defineHandler(claimTasks, async ({ body, caller, request }, services) => {
  const answered = services.claimsHeldHere.arrived(caller.workerAgentId, body.waitMs);
  let tasks;
  try {
    tasks = await claimOrWait(services, caller.workerAgentId, body, request.signal);
  } finally {
    answered();
  }
  if (tasks.length > 0) services.alarms.leasesTaken();
  const claimed = tasks.map((task) => toClaimedTaskView(task, services.taskCredentials.issue(task)));
  return { tasks: claimed, leaseMs: services.config.leaseMs };
});

/** Claims, and while there is nothing to take, waits for work (up to the master's cap) and claims again. */
async function claimOrWait(services: MasterServices, workerAgentId: string, body: HandlerInput<typeof claimTasks>['body'], signal: AbortSignal) {
  const { catalog, workSignal, config } = services;
  const deadline = Date.now() + Math.min(body.waitMs, config.claimMaxWaitMs);
  let generation = workSignal.generation;
  let tasks = await catalog.claimTasks(workerAgentId, body.freeSlots, body.claimId);
  while (tasks.length === 0) {
    const woken = await waitForWork(services, workerAgentId, generation, deadline - Date.now(), signal);
    if (woken === null) break;
    generation = woken;
    tasks = await catalog.claimTasks(workerAgentId, body.freeSlots, body.claimId);
    // Nothing here for this worker, or it took all it could and more may be waiting: let another claim look.
    if (tasks.length === 0 || tasks.length === body.freeSlots) workSignal.passOn(woken);
  }
  return tasks;
}
