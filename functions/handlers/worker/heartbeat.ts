import { heartbeat } from '../../../contracts/worker-protocol.js';
import { defineHandler } from '../../http/define-handler.js';

/** What each worker last said of itself: stored again only when it changes. */
const lastAgentInfo = new Map<string, string>();

export const heartbeatFunction = defineHandler(heartbeat, async ({ body, caller }, { catalog, config, doorbell }) => {
  const info = JSON.stringify(body.agent);
  if (lastAgentInfo.get(caller.workerAgentId) !== info) {
    await catalog.recordWorkerAgentInfo(caller.workerAgentId, body.agent);
    lastAgentInfo.set(caller.workerAgentId, info);
  }
  const result = await catalog.renewLeases(caller.workerAgentId, body.tasks);
  return {
    leaseMs: config.leaseMs,
    renewed: result.renewed,
    lost: result.lost,
    cancel: result.cancel,
    workerEnabled: result.workerEnabled,
    ...(doorbell ? { doorbell: await doorbell.ticket(caller.workerAgentId) } : {}),
  };
});
