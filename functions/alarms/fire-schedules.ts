import type { Logger } from '../http/api-request.js';
import type { MasterServices } from '../master-services.js';
import { anyWorker, ringDoorbell } from '../claims/ring-doorbell.js';

/**
 * What SQL Server Agent did, run by the schedule alarm and the safety sweep: due schedules start their
 * executions, each due time exactly once however many run this at once. Says how many schedules this call moved
 * on (fired, skipped or failed to start): 0 means another handler took them.
 */
export async function fireSchedules(services: MasterServices, log: Logger): Promise<number> {
  const fired = await services.catalog.fireDueSchedules();
  for (const run of fired) {
    if (run.executionId === null) log.warn('schedule did not run', { ...run });
    else log.info(`schedule started execution ${run.executionId}`, { ...run });
  }
  const started = fired.filter((run) => run.executionId !== null).length;
  if (started > 0) await ringDoorbell(services, anyWorker);
  return fired.length;
}

/**
 * Arms the schedule alarm at the next run time of all enabled schedules: after one is created, enabled, disabled
 * or removed, and after schedules fired. Never throws (the change is committed; the safety sweep catches up).
 */
export async function armNextSchedule(services: MasterServices): Promise<void> {
  let next: number | null;
  try {
    next = await services.catalog.nextScheduledRunTime();
  } catch (error) {
    services.log.warn('the schedule alarm was not armed: the safety sweep arms it again', {
      error: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  if (next !== null) await services.alarms.arm({ kind: 'schedules', dueAt: next });
}
