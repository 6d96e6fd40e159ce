import type { AgentInfo, TaskRef } from '../contracts/worker-protocol.js';
import type { AgentClock } from './clock.js';
import { asError } from './errors.js';
import type { ConnectivityMonitor } from './master/connectivity.js';
import type { HeartbeatResponse, MasterClient } from './master/master-client.js';

/** What the heartbeat keeps alive, and who hears what the master answered. The dispatcher implements it. */
export interface HeartbeatTarget {
  /** The attempts whose leases this worker holds right now. */
  heldAttempts(): TaskRef[];
  /** The master answered a heartbeat that carried `sent`. */
  heartbeatAnswered(sent: TaskRef[], answer: HeartbeatResponse): void;
  /** A heartbeat failed; the master has not answered one for `silentForMs`. */
  heartbeatFailed(silentForMs: number): void;
}

export interface HeartbeatLoopOptions {
  master: MasterClient;
  clock: AgentClock;
  connectivity: ConnectivityMonitor;
  agent: AgentInfo;
  target: HeartbeatTarget;
  /** TaskHeartbeatInterval: while tasks run, and while the master does not answer. */
  taskIntervalMs: number;
  /** AgentHeartbeatInterval: while the worker is idle. */
  agentIntervalMs: number;
}

/**
 * ONE heartbeat for all running tasks: every TaskHeartbeatInterval while tasks run (every AgentHeartbeatInterval
 * when idle, which keeps the worker online in the manager). It renews every lease in one request and hands the
 * answer — leases renewed, lost, to cancel — to the dispatcher. `beatNow()` sends one at once: a newly claimed
 * task waits for it to confirm its lease before it starts.
 */
export class HeartbeatLoop {
  #wake = new AbortController();
  #beatRequested = false;
  #lastAnswerAt: number;

  constructor(private readonly options: HeartbeatLoopOptions) {
    this.#lastAnswerAt = options.clock.now();
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
      const interval = busy || !answered ? this.options.taskIntervalMs : this.options.agentIntervalMs;
      this.#wake = new AbortController();
      if (this.#beatRequested) continue;
      await clock.sleep(interval, this.#wake.signal);
    }
  }

  /** One heartbeat; `true` when the master answered. */
  async beatOnce(): Promise<boolean> {
    const { master, clock, connectivity, target } = this.options;
    const sent = target.heldAttempts();
    try {
      const answer = await master.heartbeat({ tasks: sent, agent: this.options.agent });
      this.#lastAnswerAt = clock.now();
      connectivity.succeeded();
      target.heartbeatAnswered(sent, answer);
      return true;
    } catch (thrown) {
      connectivity.failed('heartbeat', asError(thrown));
      target.heartbeatFailed(clock.now() - this.#lastAnswerAt);
      return false;
    }
  }
}
