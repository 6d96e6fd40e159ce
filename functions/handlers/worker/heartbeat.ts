import { heartbeat } from '../../../contracts/worker-protocol.js';
import { defineHandler } from '../../http/define-handler.js';

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
      ...(doorbell ? { doorbell: await doorbell.ticket(caller.workerAgentId) } : {}),
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
    ...(doorbell ? { doorbell: await doorbell.ticket(caller.workerAgentId) } : {}),
  };
});
