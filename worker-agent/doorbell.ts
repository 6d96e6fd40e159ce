import { AnonymousCredential, QueueClient } from '@azure/storage-queue';
import { takeRings, type DoorbellTicket } from '../contracts/doorbell.js';
import type { AgentClock } from './clock.js';
import { asError } from './errors.js';
import type { Logger } from './log.js';

/** Takes the rings waiting in this worker's bell; resolves with how many there were. */
export type BellReader = () => Promise<number>;

export interface DoorbellOptions {
  clock: AgentClock;
  log: Logger;
  /** DoorbellPollInterval: how often an idle worker reads its bell. */
  pollIntervalMs: number;
  /** @default a Storage queue client on the ticket's SAS URL */
  open?: (queueUrl: string) => BellReader;
}

export type RingWait = 'rang' | 'timeout' | 'unavailable';

/**
 * The worker's side of the doorbell (contracts/doorbell.ts): its own queue, which the master rings when work it
 * may take becomes claimable on any of the master's instances. The ticket (URL and SAS) comes with each heartbeat
 * answer; an idle listener reads the bell every DoorbellPollInterval (a storage read, no request to the master)
 * and claims when it rang.
 */
export class Doorbell {
  #bell: { read: BellReader; queueUrl: string; validUntil: number } | undefined;
  #failing = false;

  constructor(private readonly options: DoorbellOptions) {}

  /** A heartbeat answer brought this ticket. */
  use(ticket: DoorbellTicket): void {
    const validUntil = this.options.clock.now() + ticket.validForMs;
    if (this.#bell?.queueUrl === ticket.queueUrl) {
      this.#bell.validUntil = validUntil;
      return;
    }
    const open = this.options.open ?? storageBellReader;
    this.#bell = { read: open(ticket.queueUrl), queueUrl: ticket.queueUrl, validUntil };
  }

  /** Whether the worker holds a ticket still valid. */
  get ready(): boolean {
    return this.#bell !== undefined && this.options.clock.now() < this.#bell.validUntil;
  }

  /**
   * Reads the bell now and every DoorbellPollInterval until it rings, `maxMs` pass or `signal` fires. A bell that
   * cannot be read (storage unreachable, the SAS refused) answers `unavailable` at once: the listener then polls
   * the master as it would without a doorbell. The failure is said once, and the recovery once.
   */
  async waitForRing(maxMs: number, signal: AbortSignal): Promise<RingWait> {
    const { clock, log, pollIntervalMs } = this.options;
    const deadline = clock.now() + maxMs;
    while (!signal.aborted && this.ready) {
      let rings: number;
      try {
        rings = await this.#bell!.read();
      } catch (thrown) {
        if (!this.#failing) log.warn(`the doorbell cannot be read (${asError(thrown).message}): asking the master for work instead`);
        this.#failing = true;
        return 'unavailable';
      }
      if (this.#failing) log.info('the doorbell can be read again');
      this.#failing = false;
      if (rings > 0) return 'rang';
      const left = deadline - clock.now();
      if (left <= 0) return 'timeout';
      await clock.sleep(Math.min(pollIntervalMs, left), signal);
    }
    return this.ready ? 'timeout' : 'unavailable';
  }
}

function storageBellReader(queueUrl: string): BellReader {
  // A rare transient failure falls back to polling the master; retrying inside the SDK would only delay that.
  const bell = new QueueClient(queueUrl, new AnonymousCredential(), { retryOptions: { maxTries: 1 } });
  return () => takeRings(bell);
}
