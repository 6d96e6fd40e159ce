import {
  createSchedule,
  disableSchedule,
  enableSchedule,
  getSchedule,
  listSchedules,
  removeSchedule,
  runScheduleNow,
} from '../../../contracts/management/endpoints.js';
import type { ScheduleView } from '../../../contracts/management/views.js';
import type { Schedule } from '../../catalog/domain.js';
import { projectRef, type CallerPermissions } from '../../auth/caller-permissions.js';
import { defineHandler } from '../../http/define-handler.js';
import type { MasterServices } from '../../master-services.js';
import { iso, isoOrNull } from '../views.js';
import { executionView } from './executions.js';
import { armNextSchedule } from '../../alarms/fire-schedules.js';
import { ringDoorbell, workOf } from '../../claims/ring-doorbell.js';

function toScheduleView(schedule: Schedule): ScheduleView {
  return {
    scheduleId: schedule.scheduleId,
    name: schedule.name,
    folderName: schedule.folderName,
    projectName: schedule.projectName,
    packageName: schedule.packageName,
    parameters: schedule.parameters,
    sensitiveParameterNames: schedule.sensitiveParameterNames,
    workerAgentIds: schedule.workerAgentIds,
    requiredTags: schedule.requiredTags,
    retryCount: schedule.retryCount,
    timeoutMs: schedule.timeoutMs,
    referenceId: schedule.referenceId,
    cron: schedule.cronExpression,
    timeZone: schedule.timeZone,
    misfirePolicy: schedule.misfirePolicy,
    isEnabled: schedule.isEnabled,
    nextRunTime: isoOrNull(schedule.nextRunTime),
    lastRunTime: isoOrNull(schedule.lastRunTime),
    lastExecutionId: schedule.lastExecutionId,
    lastError: schedule.lastError,
    createdBy: schedule.createdBy,
    createdTime: iso(schedule.createdTime),
  };
}

export const createScheduleFunction = defineHandler(
  createSchedule,
  async ({ body, caller, permissions, idempotency }, services) => {
    await permissions.requireToExecute(body.folderName, body.projectName, body.referenceId);
    const schedule = await services.catalog.createSchedule(
      {
        name: body.name,
        folderName: body.folderName,
        projectName: body.projectName,
        packageName: body.packageName,
        parameters: body.parameters,
        workerAgentIds: body.workerAgentIds,
        requiredTags: body.requiredTags,
        retryCount: body.retryCount,
        timeoutMs: body.timeoutMs,
        referenceId: body.referenceId,
        cronExpression: body.cron,
        timeZone: body.timeZone,
        misfirePolicy: body.misfirePolicy,
        enabled: body.enabled,
      },
      caller.actor,
      idempotency?.guard(toScheduleView),
    );
    await armNextSchedule(services);
    return toScheduleView(schedule);
  },
  {
    // Made again only when the master stopped before its answer, so perhaps before it armed the alarm too.
    replay: async (result, services) => {
      await armNextSchedule(services);
      return toScheduleView(await services.catalog.getSchedule(Number(result['scheduleId'])));
    },
  },
);

/** The schedule, once the caller is known to hold the permission on its project. */
async function scheduleWith(permission: 'READ' | 'EXECUTE', permissions: CallerPermissions, services: MasterServices, scheduleId: number) {
  const schedule = await services.catalog.getSchedule(scheduleId);
  await permissions.require(permission, projectRef(schedule.folderName, schedule.projectName));
  return schedule;
}

export const listSchedulesFunction = defineHandler(listSchedules, async ({ permissions }, { catalog }) => ({
  schedules: (await permissions.readable(await catalog.listSchedules(), (s) => projectRef(s.folderName, s.projectName))).map(toScheduleView),
}));

export const getScheduleFunction = defineHandler(getSchedule, async ({ params, permissions }, services) =>
  toScheduleView(await scheduleWith('READ', permissions, services, params.scheduleId)),
);

export const enableScheduleFunction = defineHandler(enableSchedule, async ({ params, caller, permissions }, services) => {
  await scheduleWith('EXECUTE', permissions, services, params.scheduleId);
  const schedule = await services.catalog.setScheduleEnabled(params.scheduleId, true, caller.actor);
  await armNextSchedule(services);
  return toScheduleView(schedule);
});

/** Disabling or removing arms the alarm too: the alarm that was due for this schedule finds nothing and stops. */
export const disableScheduleFunction = defineHandler(disableSchedule, async ({ params, caller, permissions }, services) => {
  await scheduleWith('EXECUTE', permissions, services, params.scheduleId);
  const schedule = await services.catalog.setScheduleEnabled(params.scheduleId, false, caller.actor);
  await armNextSchedule(services);
  return toScheduleView(schedule);
});

export const removeScheduleFunction = defineHandler(removeSchedule, async ({ params, caller, permissions }, services) => {
  await scheduleWith('EXECUTE', permissions, services, params.scheduleId);
  await services.catalog.removeSchedule(params.scheduleId, caller.actor);
  await armNextSchedule(services);
  return undefined;
});

export const runScheduleNowFunction = defineHandler(runScheduleNow, async ({ params, caller, permissions }, services) => {
  await scheduleWith('EXECUTE', permissions, services, params.scheduleId);
  const execution = await services.catalog.runScheduleNow(params.scheduleId, caller.actor);
  await ringDoorbell(services, workOf(execution));
  return executionView(services, execution);
});
