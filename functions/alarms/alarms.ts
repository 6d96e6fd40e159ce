import type { Clock } from '../clock.js';
import type { Logger } from '../http/api-request.js';
import type { StorageQueue } from '../queues/storage-queue.js';
import { showTime, type Alarm } from './alarm.js';

/**
 * Arms the master's alarms (alarm.ts) on the alarm queue. Arming never throws: the state it watches is already
 * committed, and an alarm whose put failed is armed again by the safety sweep (master-timers.ts), so a failure is
 * logged and costs at most one sweep period of lateness.
 */
export class Alarms {
  /**
   * When the lease alarm this instance armed last is due. Until then it arms none due later: that one comes
   * first and arms the next (wherever it is handled). So a busy instance puts one lease alarm per lease, not one
   * per claim, and duplicate chains are bounded by the number of instances.
   */
  #leaseAlarmDue = 0;
  readonly #sending = new Set<Promise<void>>();

  constructor(
    private readonly queue: StorageQueue,
    private readonly clock: Clock,
    private readonly leaseMs: number,
    private readonly log: Logger,
  ) {}

  /**
   * A claim just leased tasks: a lease alarm is due when their lease ends, unless this instance armed one that is
   * still pending. Off the claim's path: the claim does not wait for the put.
   */
  leasesTaken(): void {
    const dueAt = this.clock.now() + this.leaseMs;
    if (this.#leasePending(dueAt)) return;
    const sending = this.arm({ kind: 'leases', dueAt }).finally(() => this.#sending.delete(sending));
    this.#sending.add(sending);
  }

  async arm(alarm: Alarm): Promise<void> {
    if (alarm.kind === 'leases') {
      if (this.#leasePending(alarm.dueAt)) return;
      this.#leaseAlarmDue = alarm.dueAt;
    }
    try {
      await this.queue.send(JSON.stringify(alarm), { delaySeconds: (showTime(alarm) - this.clock.now()) / 1000 });
    } catch (error) {
      if (alarm.kind === 'leases') this.#leaseAlarmDue = 0;
      this.log.warn(`the ${alarm.kind} alarm was not armed: the safety sweep arms it again`, {
        dueAt: new Date(alarm.dueAt).toISOString(),
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** A lease alarm this instance armed is still to come, no later than `dueAt`. */
  #leasePending(dueAt: number): boolean {
    return this.#leaseAlarmDue > this.clock.now() && this.#leaseAlarmDue <= dueAt;
  }

  /** Waits for the alarms being armed off a claim's path (before the process stops). */
  async settle(): Promise<void> {
    await Promise.all(this.#sending);
  }
}
