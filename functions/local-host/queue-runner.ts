import { randomUUID } from 'node:crypto';
import type { Logger } from '../http/api-request.js';
import type { MasterServices } from '../master-services.js';
import type { HostQueueSettings } from '../queues/host-queue-settings.js';
import type { QueueFunction } from '../queues/queue-function.js';
import type { QueuedMessage } from '../queues/storage-queue.js';

/** How long a message being handled stays hidden from other readers (Azure's host renews; our handlers are short). */
const handlingVisibilitySeconds = 60;
const firstPollDelayMs = 100;

/**
 * Fires the master's queue functions from their queues (Azurite, or a real account), as Azure's queue trigger
 * does with host.json's settings: up to `batchSize` messages at once, a message deleted once its function
 * succeeded, shown again after `visibilityTimeout` when it failed, moved to `<queue>-poison` after
 * `maxDequeueCount` deliveries. An empty queue is looked at again after a delay that doubles up to
 * `maxPollingInterval`; `poke` looks at once (this process just sent a message).
 */
export class QueueRunner {
  readonly #loops: Promise<void>[] = [];
  readonly #wakers = new Map<string, () => void>();
  readonly #poked = new Set<string>();
  #stopped = false;

  constructor(
    private readonly functions: readonly QueueFunction[],
    private readonly services: MasterServices,
    private readonly settings: HostQueueSettings,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const fn of this.functions) this.#loops.push(this.#poll(fn));
  }

  /** Looks at a function's queue now instead of after its polling delay. */
  poke(name: string): void {
    this.#poked.add(name);
    this.#wakers.get(name)?.();
  }

  /** Stops polling and waits for the messages being handled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const wake of this.#wakers.values()) wake();
    await Promise.all(this.#loops);
  }

  async #poll(fn: QueueFunction): Promise<void> {
    const queue = fn.queue(this.services);
    let delayMs = firstPollDelayMs;
    let failing = false;
    while (!this.#stopped) {
      this.#poked.delete(fn.name);
      let messages: QueuedMessage[] = [];
      try {
        messages = await queue.receive(this.settings.batchSize, handlingVisibilitySeconds);
        if (failing) this.log.info(`queue ${queue.name} readable again`);
        failing = false;
      } catch (error) {
        if (!failing) this.log.error(`queue ${queue.name} cannot be read`, { error: messageOf(error) });
        failing = true;
      }
      if (messages.length > 0) {
        delayMs = firstPollDelayMs;
        await Promise.all(messages.map((message) => this.#handle(fn, message)));
        continue;
      }
      await this.#idle(fn.name, delayMs);
      delayMs = Math.min(this.settings.maxPollingIntervalMs, delayMs * 2);
    }
  }

  async #handle(fn: QueueFunction, message: QueuedMessage): Promise<void> {
    const queue = fn.queue(this.services);
    try {
      await fn.run(
        { messageId: message.messageId, dequeueCount: message.dequeueCount, text: message.text },
        this.services,
        { invocationId: randomUUID(), functionName: fn.name, log: this.log },
      );
      await queue.delete(message);
    } catch (error) {
      try {
        if (message.dequeueCount >= this.settings.maxDequeueCount) {
          await queue.moveToPoison(message);
          this.log.warn(`message moved to ${queue.name}-poison after ${message.dequeueCount} tries`, {
            function: fn.name,
            messageId: message.messageId,
            error: messageOf(error),
          });
        } else {
          await queue.release(message, Math.round(this.settings.visibilityTimeoutMs / 1000));
          this.log.warn(`${fn.name} failed; the message is tried again`, { messageId: message.messageId, error: messageOf(error) });
        }
      } catch (queueError) {
        // The message shows again when its handling visibility ends: tried again, not lost.
        this.log.error(`queue ${queue.name} did not take the failed message back`, { error: messageOf(queueError) });
      }
    }
  }

  #idle(name: string, delayMs: number): Promise<void> {
    if (this.#stopped || this.#poked.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(wake, delayMs);
      function wake(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wakers.set(name, () => {
        this.#wakers.delete(name);
        wake();
      });
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
