import { enableScaleOut, getDashboard, getMasterStatus } from '../../../contracts/management/endpoints.js';
import type { MasterStatusView } from '../../../contracts/management/views.js';
import { ExecutionStatus } from '../../catalog/domain.js';
import { defineHandler } from '../../http/define-handler.js';
import type { MasterServices } from '../../master-services.js';
import { isoOrNull, workerStatus } from '../views.js';
import { ringDoorbell } from '../../claims/ring-doorbell.js';
import { longestScheduleIntervalMs } from '../../timers/schedule-interval.js';
import { poisonQueues } from './poison-messages.js';

export async function masterStatus(services: MasterServices): Promise<MasterStatusView> {
  const { catalog, clock, config } = services;
  const now = clock.now();
  const [properties, workers, counts] = [
    await catalog.getMasterProperties(),
    await catalog.listWorkerAgents(),
    await catalog.countExecutionsByStatus(0),
  ];
  // The status must answer even when storage does not: the count is then unknown, not zero.
  const poisonMessages = await poisonQueues(services).then(
    (queues) => queues.reduce((sum, queue) => sum + queue.count, 0),
    (error: unknown) => {
      services.log.warn('poison queues not readable', { error: error instanceof Error ? error.message : String(error) });
      return null;
    },
  );
  const statuses = workers.map((w) => workerStatus(w, now, config.workerOfflineAfterMs));
  return {
    isScaleOutEnabled: properties.isScaleOutEnabled,
    masterAddress: properties.masterAddress ?? config.masterAddress,
    version: services.version,
    lastOnlineTime: isoOrNull(properties.lastOnlineTime),
    heartbeatAgeSeconds: properties.lastOnlineTime === null ? null : Math.max(0, Math.round((now - properties.lastOnlineTime) / 1000)),
    heartbeatIntervalSeconds: Math.round(longestScheduleIntervalMs(config.schedules.safetySweep) / 1000),
    certificateThumbprint: services.tlsCertificate?.thumbprintSha1 ?? null,
    catalogEngine: services.catalogEngine,
    workers: {
      online: statuses.filter((s) => s === 'online').length,
      offline: statuses.filter((s) => s === 'offline').length,
      disabled: statuses.filter((s) => s === 'disabled').length,
      total: workers.length,
    },
    executions: {
      running: counts[ExecutionStatus.running] ?? 0,
      pending: counts[ExecutionStatus.pending] ?? 0,
      stopping: counts[ExecutionStatus.stopping] ?? 0,
    },
    poisonMessages,
  };
}

export const getMasterStatusFunction = defineHandler(getMasterStatus, (_input, services) => masterStatus(services));

export const enableScaleOutFunction = defineHandler(enableScaleOut, async ({ caller }, services) => {
  await services.catalog.enableScaleOut(caller.actor);
  services.log.info('Scale Out enabled', { by: caller.actor });
  await ringDoorbell(services, 'everyone');
  return masterStatus(services);
});

const minuteMs = 60_000;

/** The overview counts only the executions the caller may read, as the executions page lists them. */
export const getDashboardFunction = defineHandler(getDashboard, async ({ permissions }, services) => {
  const now = services.clock.now();
  const projects = await permissions.readableProjects();
  const counts = await services.catalog.countExecutionsByStatus(now - 24 * 60 * minuteMs, projects);
  const firstMinute = Math.floor(now / minuteMs) * minuteMs - 59 * minuteMs;
  const ended = await services.catalog.listExecutionEndTimes(firstMinute, projects);
  const buckets = Array.from({ length: 60 }, (_, i) => ({ minute: firstMinute + i * minuteMs, succeeded: 0, failed: 0 }));
  for (const { endTime, status } of ended) {
    const bucket = buckets[Math.floor((endTime - firstMinute) / minuteMs)];
    if (!bucket) continue;
    if (status === ExecutionStatus.succeeded || status === ExecutionStatus.completed) bucket.succeeded++;
    else if (status === ExecutionStatus.failed || status === ExecutionStatus.endedUnexpectedly) bucket.failed++;
  }
  const count = (status: ExecutionStatus): number => counts[status] ?? 0;
  const named =
    count(ExecutionStatus.running) +
    count(ExecutionStatus.pending) +
    count(ExecutionStatus.succeeded) +
    count(ExecutionStatus.completed) +
    count(ExecutionStatus.failed) +
    count(ExecutionStatus.endedUnexpectedly);
  const total = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
  return {
    master: await masterStatus(services),
    last24Hours: {
      running: count(ExecutionStatus.running),
      pending: count(ExecutionStatus.pending),
      succeeded: count(ExecutionStatus.succeeded) + count(ExecutionStatus.completed),
      failed: count(ExecutionStatus.failed) + count(ExecutionStatus.endedUnexpectedly),
      other: total - named,
    },
    completionsPerMinute: buckets.map((b) => ({ minute: new Date(b.minute).toISOString(), succeeded: b.succeeded, failed: b.failed })),
  };
});
