import { longestScheduleIntervalMs } from './schedule-interval.js';
import type { TimerFunction } from './timer-function.js';
import { ringDoorbell } from '../claims/ring-doorbell.js';

/**
 * The master's timers. Each is safe when two instances run it at once (Azure may cold-start several): the
 * heartbeat and the sweep write idempotently, and cleanup deletes what is still there.
 */

/** SSIS MasterHeartbeatIntervalInMs: the master's last online time, which the dashboard shows. */
export const masterHeartbeatTimer: TimerFunction = {
  kind: 'timer',
  name: 'masterHeartbeat',
  scheduleSetting: 'SCALEOUT_MASTER_HEARTBEAT_SCHEDULE',
  schedule: (config) => config.schedules.masterHeartbeat,
  async run(services) {
    await services.catalog.recordMasterHeartbeat({ masterAddress: services.config.masterAddress, version: services.version });
  },
};

/** SSIS "deal with expired tasks": a dead worker's tasks are re-queued, or end with status 6. */
export const dealWithExpiredTasksTimer: TimerFunction = {
  kind: 'timer',
  name: 'dealWithExpiredTasks',
  scheduleSetting: 'SCALEOUT_EXPIRED_TASKS_SCHEDULE',
  schedule: (config) => config.schedules.expiredTasks,
  async run(services, invocation) {
    const sweepIntervalMs = longestScheduleIntervalMs(services.config.schedules.expiredTasks);
    const released = await services.catalog.expireLeases({ sweepIntervalMs });
    if (released.length === 0) return;
    for (const task of released) {
      invocation.log.warn('lease expired', {
        executionId: task.executionId,
        taskId: task.taskId,
        attemptNumber: task.attemptNumber,
        workerAgentId: task.workerAgentId,
        retryAttemptNumber: task.retryAttemptNumber,
      });
    }
    const requeued = released.filter((task) => task.retryAttemptNumber !== undefined).length;
    if (requeued > 0) await ringDoorbell(services, { tasks: requeued });
  },
};

/** SSIS CleanupCompletedJobsIntervalInMs: executions past the retention window (RETENTION_WINDOW days) go. */
export const cleanupCompletedJobsTimer: TimerFunction = {
  kind: 'timer',
  name: 'cleanupCompletedJobs',
  scheduleSetting: 'SCALEOUT_CLEANUP_SCHEDULE',
  schedule: (config) => config.schedules.cleanup,
  async run(services, invocation) {
    const settings = await services.catalog.getCleanupSettings();
    if (!settings.cleanupEnabled) return;
    const deleted = await services.catalog.cleanupCompletedExecutions(settings.retentionWindowDays * 86_400_000);
    if (deleted > 0) invocation.log.info('cleanup', { deletedExecutions: deleted, retentionWindowDays: settings.retentionWindowDays });
  },
};

/** What SQL Server Agent did: due schedules start their executions, each due time exactly once. */
export const fireSchedulesTimer: TimerFunction = {
  kind: 'timer',
  name: 'fireSchedules',
  scheduleSetting: 'SCALEOUT_SCHEDULES_SCHEDULE',
  schedule: (config) => config.schedules.fireSchedules,
  async run(services, invocation) {
    const fired = await services.catalog.fireDueSchedules();
    for (const run of fired) {
      if (run.executionId === null) invocation.log.warn('schedule did not run', { ...run });
    }
    const started = fired.filter((run) => run.executionId !== null).length;
    if (started > 0) await ringDoorbell(services, { tasks: started });
  },
};

export const masterTimers = [
  masterHeartbeatTimer,
  dealWithExpiredTasksTimer,
  cleanupCompletedJobsTimer,
  fireSchedulesTimer,
];
