import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/identity';

/**
 * The Azure Storage queue event messages pass through on their way to the catalog: it absorbs bursts and catalog
 * pauses (a serverless database resumes in about a minute), so a package's logging never blocks or is lost.
 * Messages are base64 JSON; a poison queue keeps what cannot be stored, for a human to look at.
 */
export interface QueuedMessage {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  text: string;
}

export interface EventQueue {
  send(text: string): Promise<void>;
  /** Up to 32 messages, hidden from other readers for `visibilityTimeoutSeconds`. */
  receive(max: number, visibilityTimeoutSeconds: number): Promise<QueuedMessage[]>;
  delete(message: QueuedMessage): Promise<void>;
  /** Keeps the message in the poison queue, then deletes it here. */
  setAside(message: QueuedMessage, reason: string): Promise<void>;
}

/**
 * Largest message body we send, before base64: Azure caps a message at 64 KiB and base64 grows text by a third.
 */
export const maxQueuedMessageBytes = 46_000;

export class StorageEventQueue implements EventQueue {
  readonly #queue: QueueClient;
  readonly #poison: QueueClient;
  #ready: Promise<void> | undefined;

  constructor(service: QueueServiceClient, queueName: string) {
    this.#queue = service.getQueueClient(queueName);
    this.#poison = service.getQueueClient(`${queueName}-poison`);
  }

  static fromConnectionString(connectionString: string, queueName: string): StorageEventQueue {
    return new StorageEventQueue(QueueServiceClient.fromConnectionString(connectionString), queueName);
  }

  static fromManagedIdentity(queueServiceUri: string, credential: TokenCredential, queueName: string): StorageEventQueue {
    return new StorageEventQueue(new QueueServiceClient(queueServiceUri, credential), queueName);
  }

  async send(text: string): Promise<void> {
    await this.#ensureQueues();
    await this.#queue.sendMessage(Buffer.from(text, 'utf8').toString('base64'));
  }

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
      text: Buffer.from(item.messageText, 'base64').toString('utf8'),
    }));
  }

  async delete(message: QueuedMessage): Promise<void> {
    await this.#queue.deleteMessage(message.messageId, message.popReceipt);
  }

  async setAside(message: QueuedMessage, reason: string): Promise<void> {
    await this.#ensureQueues();
    const record = JSON.stringify({ reason, dequeueCount: message.dequeueCount, message: message.text });
    // A poison record must fit too: keep the reason and as much of the message as fits.
    const fitted = record.length > maxQueuedMessageBytes ? record.slice(0, maxQueuedMessageBytes) : record;
    await this.#poison.sendMessage(Buffer.from(fitted, 'utf8').toString('base64'), { messageTimeToLive: -1 });
    await this.delete(message);
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
