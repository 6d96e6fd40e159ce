import type { Logger } from '../http/api-request.js';
import type { MasterServices } from '../master-services.js';
import { anyWorker, ringDoorbell } from '../claims/ring-doorbell.js';
import { longestScheduleIntervalMs } from '../timers/schedule-interval.js';

/**
 * SSIS "deal with expired tasks", run by the lease alarm and the safety sweep: a dead worker's tasks are
 * re-queued (its idle peers' doorbells ring) or end with status 6; then the lease alarm is armed again at the
 * earliest lease still running. No running task, no alarm: nothing more runs until a claim leases one.
 *
 * `missed`: the caller was not watching (its alarm came late, or it is the safety sweep), so no lease is judged:
 * each gets a full lease from now and the alarm armed at its end judges it.
 */
export async function checkLeases(services: MasterServices, log: Logger, options: { missed: boolean }): Promise<void> {
  const sweepIntervalMs = longestScheduleIntervalMs(services.config.schedules.safetySweep);
  const sweep = await services.catalog.expireLeases({ sweepIntervalMs, missed: options.missed });
  for (const task of sweep.released) {
    log.warn('lease expired', {
      executionId: task.executionId,
      taskId: task.taskId,
      attemptNumber: task.attemptNumber,
      workerAgentId: task.workerAgentId,
      retryAttemptNumber: task.retryAttemptNumber,
    });
  }
  for (const workerAgentId of new Set(sweep.released.map((task) => task.workerAgentId))) {
    if (workerAgentId === null) continue;
    log.warn('worker lost: shown offline until it is heard from again', { workerAgentId });
    // Its next heartbeat reaches the catalog, so a worker that was only cut off is shown online again at once.
    services.onlineWrites.forget(workerAgentId);
  }
  const requeued = sweep.released.filter((task) => task.retryAttemptNumber !== undefined).length;
  if (requeued > 0) await ringDoorbell(services, anyWorker);
  if (sweep.nextLeaseDeadline !== null) await services.alarms.arm({ kind: 'leases', dueAt: sweep.nextLeaseDeadline });
}
