import { maxEventMessageLength, maxEventsPerRequest, type EventType, type TaskRef, type WorkerEvent } from '../contracts/worker-protocol.js';
import type { AgentClock } from './clock.js';
import { asError } from './errors.js';
import type { Logger } from './log.js';
import type { ReportSpool } from './report-spool.js';

export interface EventShipperOptions {
  /** How long an event may wait for its batch. @default 1000 */
  flushIntervalMs?: number;
  /** Values masked as `***` in every message (sensitive parameter values). */
  secrets?: readonly string[];
}

/** Shortest secret that is masked: masking `1` or `ab` would garble every message and hide nothing. */
const minimumSecretLength = 4;

/**
 * Batches on their way at once. Two keep the pipe to the master busy while one answer travels back (the master
 * stores a batch in a few tens of ms; one at a time, the round trip halves the rate); ordering does not suffer,
 * as the catalog orders an attempt's lines by their sequence number.
 */
const lanes = 2;

/**
 * Lines held (buffered or on their way) beyond which the package is asked to wait (`whenReady`): a package
 * printing faster than the master stores is slowed to its pace instead of filling the agent's memory.
 */
const backlogLimit = 4 * maxEventsPerRequest;

/**
 * One attempt's event messages: numbered 1, 2, 3… (so a batch delivered twice is stored once), batched (a batch
 * leaves when it is full or `flushIntervalMs` after its first event), and handed to the report spool, which
 * delivers them or keeps them on disk. It holds at most about `backlogLimit` lines: past that, `whenReady` tells
 * the package's output to pause.
 */
export class EventShipper {
  #sequence = 0;
  #buffer: WorkerEvent[] = [];
  readonly #lanes: Promise<void>[] = Array.from({ length: lanes }, () => Promise.resolve());
  #nextLane = 0;
  /** Lines added and not yet delivered or spooled. */
  #held = 0;
  #ready: { promise: Promise<void>; resolve: () => void } | undefined;
  #timer: AbortController | undefined;
  readonly #secrets: string[];
  #timeMs = Number.NaN;
  #time = '';

  constructor(
    private readonly attempt: TaskRef,
    private readonly spool: ReportSpool,
    private readonly clock: AgentClock,
    private readonly log: Logger,
    private readonly options: EventShipperOptions = {},
  ) {
    this.#secrets = (options.secrets ?? []).filter((s) => s.length >= minimumSecretLength).sort((a, b) => b.length - a.length);
  }

  add(type: EventType, source: string, message: string): void {
    this.#sequence += 1;
    this.#held += 1;
    // A package prints in bursts, many lines in one millisecond: the time's text is made once per millisecond.
    const now = this.clock.now();
    if (now !== this.#timeMs) {
      this.#timeMs = now;
      this.#time = new Date(now).toISOString();
    }
    this.#buffer.push({
      sequenceNumber: this.#sequence,
      time: this.#time,
      type,
      source,
      message: cutToContract(this.mask(message)),
    });
    if (this.#buffer.length >= maxEventsPerRequest) void this.flush();
    else this.#scheduleFlush();
  }

  /** Sends what is buffered; resolves when it and everything before it is delivered or safely spooled. */
  flush(): Promise<void> {
    this.#timer?.abort();
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    if (batch.length > 0) {
      const lane = this.#nextLane;
      this.#nextLane = (lane + 1) % lanes;
      this.#lanes[lane] = this.#lanes[lane]!.then(() => this.#send(batch));
    }
    return Promise.all(this.#lanes).then(() => undefined);
  }

  /**
   * Undefined while more lines are welcome; otherwise a promise that resolves once the backlog is down to half its
   * limit. The package's output is paused meanwhile, so the package waits on its own pipe.
   */
  whenReady(): Promise<void> | undefined {
    if (this.#held < backlogLimit) return undefined;
    if (!this.#ready) {
      let resolve = (): void => {};
      const promise = new Promise<void>((r) => (resolve = r));
      this.#ready = { promise, resolve };
    }
    return this.#ready.promise;
  }

  async #send(batch: WorkerEvent[]): Promise<void> {
    for (let start = 0; start < batch.length; start += maxEventsPerRequest) {
      const events = batch.slice(start, start + maxEventsPerRequest);
      try {
        await this.spool.submit({ kind: 'events', taskId: this.attempt.taskId, attemptNumber: this.attempt.attemptNumber, events });
      } catch (thrown) {
        this.log.error(`lost ${events.length} event messages of task ${this.attempt.taskId}: ${asError(thrown).message}`);
      } finally {
        this.#settled(events.length);
      }
    }
  }

  #settled(count: number): void {
    this.#held -= count;
    if (this.#ready && this.#held <= backlogLimit / 2) {
      this.#ready.resolve();
      this.#ready = undefined;
    }
  }

  #scheduleFlush(): void {
    if (this.#timer) return;
    const timer = new AbortController();
    this.#timer = timer;
    void this.clock.sleep(this.options.flushIntervalMs ?? 1000, timer.signal).then(() => {
      if (!timer.signal.aborted) void this.flush();
    });
  }

  /** The text with every sensitive value replaced by `***`. */
  mask(message: string): string {
    let masked = message;
    for (const secret of this.#secrets) masked = masked.split(secret).join('***');
    return masked;
  }
}

/**
 * A message the contract's length allows, cut and saying so if need be: the master would refuse the whole batch
 * for one line too long (the package's stdout and stderr come already split, but a node package's own events do
 * not). Cut after masking, so that no part of a secret is left where the cut falls.
 */
function cutToContract(message: string): string {
  if (message.length <= maxEventMessageLength) return message;
  const note = `… [cut: the line had ${message.length} characters]`;
  return message.slice(0, maxEventMessageLength - note.length) + note;
}
