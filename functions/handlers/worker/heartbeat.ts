import { heartbeat } from '../../../contracts/worker-protocol.js';
import type { DoorbellTicket } from '../../../contracts/doorbell.js';
import { defineHandler } from '../../http/define-handler.js';
import type { Doorbell } from '../../claims/doorbell.js';
import type { MasterConfig } from '../../config/master-config.js';

/** What each worker last said of itself: stored again only when it changes. */
const lastAgentInfo = new Map<string, string>();

export const heartbeatFunction = defineHandler(heartbeat, async ({ body, caller }, services) => {
  const { catalog, config, doorbell, onlineWrites, clock } = services;
  const info = JSON.stringify(body.agent);
  const now = clock.now();
  const idle = body.tasks.length === 0 && lastAgentInfo.get(caller.workerAgentId) === info;
  // An idle worker that said nothing new: its online time was written lately, the catalog need not hear it again.
  const cached = idle ? onlineWrites.cached(caller.workerAgentId, now) : undefined;
  if (cached) {
    return {
      leaseMs: config.leaseMs,
      renewed: [],
      lost: [],
      cancel: [],
      workerEnabled: cached.workerEnabled,
      ...(doorbell ? await doorbellPart(doorbell, config, caller.workerAgentId, cached.workerEnabled) : {}),
    };
  }
  if (lastAgentInfo.get(caller.workerAgentId) !== info) {
    await catalog.recordWorkerAgentInfo(caller.workerAgentId, body.agent);
    lastAgentInfo.set(caller.workerAgentId, info);
  }
  const result = await catalog.renewLeases(caller.workerAgentId, body.tasks);
  onlineWrites.recorded(caller.workerAgentId, now, result.workerEnabled);
  // The catalog still knows it: its certificate needs no lookup for another while.
  if (result.workerEnabled) services.workerAuth.confirmWorker(caller.workerAgentId);
  return {
    leaseMs: config.leaseMs,
    renewed: result.renewed,
    lost: result.lost,
    cancel: result.cancel,
    workerEnabled: result.workerEnabled,
    ...(doorbell ? await doorbellPart(doorbell, config, caller.workerAgentId, result.workerEnabled) : {}),
  };
});

/**
 * The worker's doorbell ticket and, while it is enabled, how seldom it may beat when idle: its work comes through
 * the doorbell, so an idle heartbeat only keeps it shown online. A disabled worker keeps its own interval, so it
 * hears soon when it is enabled again.
 */
async function doorbellPart(
  doorbell: Doorbell,
  config: MasterConfig,
  workerAgentId: string,
  workerEnabled: boolean,
): Promise<{ doorbell: DoorbellTicket; idleHeartbeatMs?: number }> {
  const ticket = await doorbell.ticket(workerAgentId);
  const idleHeartbeatMs = config.workerIdleHeartbeatMs;
  return { doorbell: ticket, ...(workerEnabled && idleHeartbeatMs !== null ? { idleHeartbeatMs } : {}) };
}
