import type { TimerFunction } from './timer-function.js';
import { checkLeases } from '../alarms/check-leases.js';
import { armNextSchedule, fireSchedules } from '../alarms/fire-schedules.js';
import { removeOldProjectVersions } from '../projects/remove-old-versions.js';

/**
 * The master's timers: slow on purpose. Leases and schedules are watched by alarms (functions/alarms/), which
 * run only when something is due; these two are the safety net and the housekeeping. Each is safe when two
 * instances run it at once (Azure may cold-start several).
 */

/**
 * The safety sweep, SSIS's master heartbeat, lease sweep and schedule check in one slow round: writes the
 * master's online time, catches leases and schedules whose alarm was lost (a put that failed after its commit),
 * and arms both alarms again. It does not judge leases (it was not watching them): a lease past its end gets a
 * full lease from now, and the alarm armed at its end judges it.
 */
export const safetySweepTimer: TimerFunction = {
  kind: 'timer',
  name: 'safetySweep',
  scheduleSetting: 'SCALEOUT_SAFETY_SWEEP_SCHEDULE',
  schedule: (config) => config.schedules.safetySweep,
  async run(services, invocation) {
    await services.catalog.recordMasterHeartbeat({ masterAddress: services.config.masterAddress, version: services.version });
    await checkLeases(services, invocation.log, { missed: true });
    await fireSchedules(services, invocation.log);
    await armNextSchedule(services);
  },
};

/**
 * SSIS CleanupCompletedJobsIntervalInMs: executions past the retention window (RETENTION_WINDOW days) go when
 * OPERATION_CLEANUP_ENABLED. Idempotency-Keys past their 24 hours go whatever that setting says: they are the
 * master's bookkeeping, not the user's history.
 * Project versions beyond MAX_PROJECT_VERSIONS that a deploy had to keep while executions ran them go too.
 */
export const cleanupCompletedJobsTimer: TimerFunction = {
  kind: 'timer',
  name: 'cleanupCompletedJobs',
  scheduleSetting: 'SCALEOUT_CLEANUP_SCHEDULE',
  schedule: (config) => config.schedules.cleanup,
  async run(services, invocation) {
    const expiredKeys = await services.catalog.deleteExpiredIdempotencyKeys();
    if (expiredKeys > 0) invocation.log.info('cleanup', { expiredIdempotencyKeys: expiredKeys });
    // SSISDB's version cleanup is its own switch, not OPERATION_CLEANUP_ENABLED: versions go whatever that says.
    await removeOldProjectVersions(services, invocation.log, 'master:cleanup');
    const settings = await services.catalog.getCleanupSettings();
    if (!settings.cleanupEnabled) return;
    const deleted = await services.catalog.cleanupCompletedExecutions(settings.retentionWindowDays * 86_400_000);
    if (deleted > 0) invocation.log.info('cleanup', { deletedExecutions: deleted, retentionWindowDays: settings.retentionWindowDays });
  },
};

export const masterTimers = [safetySweepTimer, cleanupCompletedJobsTimer];
