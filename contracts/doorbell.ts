import type { QueueClient } from '@azure/storage-queue';
import * as z from 'zod';

/**
 * The doorbell (docs/adr/0001-a-doorbell-that-crosses-instances.md): each worker's own Azure Storage queue, which
 * the master rings when work the worker may take becomes claimable on any instance. The worker reads it itself,
 * with the SAS its ticket carries, and claims over HTTPS when it rang. A ring carries nothing: it says "claim".
 */
export const DoorbellTicket = z
  .object({
    /** The worker's bell with a SAS that may only read it and take its messages. */
    queueUrl: z.url({ protocol: /^https?$/ }),
    /** How long the SAS lasts from the answer that carried it; later answers bring fresh ones. */
    validForMs: z.int().positive(),
  })
  .meta({ id: 'DoorbellTicket' });
export type DoorbellTicket = z.infer<typeof DoorbellTicket>;

/**
 * A claim the master held open at least this long was held by a master that listens to the doorbell for the worker
 * (the one-box): after an empty answer the worker asks again at once rather than reading its bell itself.
 */
export const heldClaimMs = 1000;

/** How long a ring waits to be read: by then the worker was busy or gone, and claims anyway when it has room. */
export const ringTimeToLiveSeconds = 60;

/**
 * Takes every ring waiting in a bell; resolves with how many there were. A peek first: an empty bell (nearly
 * every read) costs one read, not a receive.
 */
export async function takeRings(bell: QueueClient): Promise<number> {
  const peeked = await bell.peekMessages({ numberOfMessages: 1 });
  if (peeked.peekedMessageItems.length === 0) return 0;
  const received = await bell.receiveMessages({ numberOfMessages: 32, visibilityTimeout: ringTimeToLiveSeconds });
  await Promise.all(received.receivedMessageItems.map((item) => bell.deleteMessage(item.messageId, item.popReceipt)));
  // Another reader (a claim the master holds on the one-box) may have taken them after the peek: it rang all the same.
  return Math.max(1, received.receivedMessageItems.length);
}
