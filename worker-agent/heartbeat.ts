import type { AgentInfo, TaskRef } from '../contracts/worker-protocol.js';
import type { AgentClock } from './clock.js';
import type { Doorbell } from './doorbell.js';
import { asError } from './errors.js';
import type { ConnectivityMonitor } from './master/connectivity.js';
import { classifyMasterFailure, describeMasterFailure } from './master/master-errors.js';
import type { HeartbeatResponse, MasterClient } from './master/master-client.js';

/** What the heartbeat keeps alive, and who hears what the master answered. The dispatcher implements it. */
export interface HeartbeatTarget {
  /** The attempts whose leases this worker holds right now. */
  heldAttempts(): TaskRef[];
  /** The master answered a heartbeat that carried `sent`. */
  heartbeatAnswered(sent: TaskRef[], answer: HeartbeatResponse): void;
  /** A heartbeat failed; the master has not answered one for `silentForMs`. */
  heartbeatFailed(silentForMs: number): void;
  /**
   * The master is up but refuses this worker (401/403: removed, or its certificate no longer accepted), and has
   * done so for longer than a lease: every lease this worker held has run out. `reason` says why.
   */
  leasesRefused(reason: string): void;
}

export interface HeartbeatLoopOptions {
  master: MasterClient;
  clock: AgentClock;
  connectivity: ConnectivityMonitor;
  agent: AgentInfo;
  target: HeartbeatTarget;
  /**
   * TaskHeartbeatInterval: while tasks run, and while the master does not answer. Shortened to a third of the
   * lease the master announces when that is shorter, so every lease gets a few chances to be renewed.
   */
  taskIntervalMs: number;
  /** AgentHeartbeatInterval: while the worker is idle (or the longer interval the master's answer asks for). */
  agentIntervalMs: number;
  /** Takes the doorbell ticket each answer brings. */
  doorbell?: Pick<Doorbell, 'use'>;
}

/** Heartbeats per lease, at the least: one late or failed heartbeat must not cost a task its lease. */
export const heartbeatsPerLease = 3;

/**
 * ONE heartbeat for all running tasks: every TaskHeartbeatInterval while tasks run (every AgentHeartbeatInterval
 * when idle, which keeps the worker online in the manager). The lease length is the master's to choose (it says it
 * in every answer): while tasks run, the heartbeat comes at least three times per lease, whatever the worker's
 * TaskHeartbeatInterval. It renews every lease in one request and hands the answer — leases renewed, lost, to
 * cancel — to the dispatcher; a master that refuses the worker for longer than a lease means every lease is gone.
 * `beatNow()` sends one at once: a newly claimed task waits for it to confirm its lease before it starts.
 */
export class HeartbeatLoop {
  #wake = new AbortController();
  #beatRequested = false;
  #lastAnswerAt: number;
  #leaseMs: number | undefined;
  #idleIntervalMs: number;

  constructor(private readonly options: HeartbeatLoopOptions) {
    this.#lastAnswerAt = options.clock.now();
    this.#idleIntervalMs = options.agentIntervalMs;
  }

  /** Send a heartbeat now (or right after the one in flight). */
  beatNow(): void {
    this.#beatRequested = true;
    this.#wake.abort();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { clock, target } = this.options;
    // Stopping wakes the current wait (one listener, rather than a combined signal per interval).
    signal.addEventListener('abort', () => this.#wake.abort(), { once: true });
    while (!signal.aborted) {
      this.#beatRequested = false;
      const answered = await this.beatOnce();
      if (signal.aborted || this.#beatRequested) continue;
      const busy = target.heldAttempts().length > 0;
      const interval = busy || !answered ? this.taskIntervalMs : this.#idleIntervalMs;
      this.#wake = new AbortController();
      if (this.#beatRequested) continue;
      await clock.sleep(interval, this.#wake.signal);
    }
  }

  /** The interval while tasks run: TaskHeartbeatInterval, or a third of the master's lease when that is shorter. */
  get taskIntervalMs(): number {
    const { taskIntervalMs } = this.options;
    if (this.#leaseMs === undefined) return taskIntervalMs;
    return Math.min(taskIntervalMs, Math.max(100, Math.floor(this.#leaseMs / heartbeatsPerLease)));
  }

  /** One heartbeat; `true` when the master answered. */
  async beatOnce(): Promise<boolean> {
    const { master, clock, connectivity, target } = this.options;
    const sent = target.heldAttempts();
    try {
      const answer = await master.heartbeat({ tasks: sent, agent: this.options.agent });
      this.#lastAnswerAt = clock.now();
      this.#leaseMs = answer.leaseMs;
      // Its work comes through the doorbell: idle, it need beat only as often as the master asks.
      this.#idleIntervalMs = Math.max(this.options.agentIntervalMs, answer.idleHeartbeatMs ?? 0);
      if (answer.doorbell) this.options.doorbell?.use(answer.doorbell);
      connectivity.succeeded();
      target.heartbeatAnswered(sent, answer);
      return true;
    } catch (thrown) {
      const error = asError(thrown);
      connectivity.failed('heartbeat', error);
      const silentForMs = clock.now() - this.#lastAnswerAt;
      // Unreachable, the master may be down and will extend the leases it could not watch: ride it out up to
      // HeartbeatErrorTolerance. Refused, the master is up and renews nothing: the leases end with the lease.
      if (classifyMasterFailure(error) === 'refused' && this.#leaseMs !== undefined && silentForMs >= this.#leaseMs) {
        target.leasesRefused(describeMasterFailure(error));
      }
      target.heartbeatFailed(silentForMs);
      return false;
    }
  }
}
