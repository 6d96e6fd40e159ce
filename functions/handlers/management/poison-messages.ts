import { listPoisonMessages, redrivePoisonMessages } from '../../../contracts/management/endpoints.js';
import type { PoisonQueueView } from '../../../contracts/management/views.js';
import { defineHandler } from '../../http/define-handler.js';
import type { MasterServices } from '../../master-services.js';
import { masterQueueFunctions } from '../../queues/master-queue-functions.js';
import { isoOrNull } from '../views.js';

/** Every queue function's poison queue: what its trigger gave up on. */
export async function poisonQueues(services: MasterServices): Promise<PoisonQueueView[]> {
  return Promise.all(
    masterQueueFunctions.map(async (fn) => {
      const queue = fn.queue(services);
      const poison = await queue.listPoison();
      return {
        queue: queue.name,
        function: fn.name,
        count: poison.count,
        messages: poison.messages.map((m) => ({ messageId: m.messageId, insertedTime: isoOrNull(m.insertedOn), preview: m.preview })),
      };
    }),
  );
}

export const listPoisonMessagesFunction = defineHandler(listPoisonMessages, async (_input, services) => ({
  queues: await poisonQueues(services),
}));

export const redrivePoisonMessagesFunction = defineHandler(redrivePoisonMessages, async ({ caller, invocation }, services) => {
  const queues = [];
  for (const fn of masterQueueFunctions) {
    const queue = fn.queue(services);
    const redriven = await queue.redrivePoison();
    if (redriven > 0) invocation.log.warn('poison messages re-driven', { queue: queue.name, redriven, actor: caller.actor });
    queues.push({ queue: queue.name, redriven });
  }
  return { queues };
});
