import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/identity';

/**
 * One Azure Storage queue of the master and its `<name>-poison` twin (the Functions convention: a message that
 * failed `maxDequeueCount` times is moved there, so that one bad message never blocks the others). Messages are
 * base64 text, as the Functions queue trigger expects by default (host.json `messageEncoding`).
 */
export interface QueuedMessage {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  text: string;
}

/** A message set aside in the poison queue, as `scaleout master status` and the dashboard list it. */
export interface PoisonMessage {
  messageId: string;
  insertedOn: number | null;
  /** The start of the message, enough to tell what it is. */
  preview: string;
}

/** Largest message body we send, before base64: Azure caps a message at 64 KiB and base64 grows text by a third. */
export const maxQueuedMessageBytes = 46_000;

/** Azure's cap on how long a message may stay invisible (7 days), and so on a delayed message's delay. */
export const maxVisibilityTimeoutSeconds = 7 * 24 * 3600;

export class StorageQueue {
  readonly #queue: QueueClient;
  readonly #poison: QueueClient;
  #ready: Promise<void> | undefined;

  constructor(service: QueueServiceClient, readonly name: string) {
    this.#queue = service.getQueueClient(name);
    this.#poison = service.getQueueClient(`${name}-poison`);
  }

  static fromConnectionString(connectionString: string, name: string): StorageQueue {
    return new StorageQueue(QueueServiceClient.fromConnectionString(connectionString), name);
  }

  static fromManagedIdentity(queueServiceUri: string, credential: TokenCredential, name: string): StorageQueue {
    return new StorageQueue(new QueueServiceClient(queueServiceUri, credential), name);
  }

  /** Sends a message, invisible for `delaySeconds` first (a durable timer: it is handled when it shows). */
  async send(text: string, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.#ensureQueues();
    const delay = Math.min(maxVisibilityTimeoutSeconds, Math.max(0, Math.ceil(options.delaySeconds ?? 0)));
    await this.#queue.sendMessage(encode(text), delay > 0 ? { visibilityTimeout: delay, messageTimeToLive: -1 } : {});
  }

  /** Up to 32 messages, hidden from other readers for `visibilityTimeoutSeconds`. */
  async receive(max: number, visibilityTimeoutSeconds: number): Promise<QueuedMessage[]> {
    await this.#ensureQueues();
    const response = await this.#queue.receiveMessages({
      numberOfMessages: Math.min(32, Math.max(1, max)),
      visibilityTimeout: visibilityTimeoutSeconds,
    });
    return response.receivedMessageItems.map((item) => ({
      messageId: item.messageId,
      popReceipt: item.popReceipt,
      dequeueCount: item.dequeueCount,
      text: decode(item.messageText),
    }));
  }

  async delete(message: QueuedMessage): Promise<void> {
    await this.#queue.deleteMessage(message.messageId, message.popReceipt);
  }

  /** A failed message shows again after `visibilityTimeoutSeconds`, for another try. */
  async release(message: QueuedMessage, visibilityTimeoutSeconds: number): Promise<void> {
    await this.#queue.updateMessage(message.messageId, message.popReceipt, undefined, visibilityTimeoutSeconds);
  }

  /** Moves a message that failed too often to the poison queue, unchanged, so that it can be re-driven as it was. */
  async moveToPoison(message: QueuedMessage): Promise<void> {
    await this.#ensureQueues();
    await this.#poison.sendMessage(encode(message.text), { messageTimeToLive: -1 });
    await this.delete(message);
  }

  /** The messages in the poison queue (at most 32 shown) and how many there are. */
  async listPoison(): Promise<{ count: number; messages: PoisonMessage[] }> {
    await this.#ensureQueues();
    const [properties, peeked] = await Promise.all([this.#poison.getProperties(), this.#poison.peekMessages({ numberOfMessages: 32 })]);
    return {
      count: properties.approximateMessagesCount ?? peeked.peekedMessageItems.length,
      messages: peeked.peekedMessageItems.map((item) => ({
        messageId: item.messageId,
        insertedOn: item.insertedOn?.getTime() ?? null,
        preview: decode(item.messageText).slice(0, 200),
      })),
    };
  }

  /**
   * Puts every poison message back on the queue, for its trigger to try again (after the cause was fixed).
   * Each is sent again before it is deleted from the poison queue: a crash in between repeats it, never loses it.
   */
  async redrivePoison(): Promise<number> {
    await this.#ensureQueues();
    let moved = 0;
    for (;;) {
      const { receivedMessageItems } = await this.#poison.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
      if (receivedMessageItems.length === 0) return moved;
      for (const item of receivedMessageItems) {
        await this.#queue.sendMessage(item.messageText);
        await this.#poison.deleteMessage(item.messageId, item.popReceipt);
        moved++;
      }
    }
  }

  /** Creates both queues once per process, on first use (never at start-up). */
  #ensureQueues(): Promise<void> {
    this.#ready ??= Promise.all([this.#queue.createIfNotExists(), this.#poison.createIfNotExists()]).then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }
}

function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function decode(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}
