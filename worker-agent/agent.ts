import type { AgentClock } from './clock.js';
import type { Dispatcher } from './dispatcher.js';
import type { HeartbeatLoop } from './heartbeat.js';
import type { Listener } from './listener.js';
import type { Logger } from './log.js';
import type { ReportSpool } from './report-spool.js';

export interface WorkerAgentParts {
  listener: Pick<Listener, 'run'>;
  heartbeat: Pick<HeartbeatLoop, 'run'>;
  dispatcher: Pick<Dispatcher, 'idle' | 'abortAll' | 'taskCount'>;
  spool: Pick<ReportSpool, 'pendingCount' | 'deliverPending' | 'goOffline'>;
  clock: AgentClock;
  log: Logger;
  /** DrainTimeout: how long running tasks may finish after a stop request. */
  drainTimeoutMs: number;
  /** How often cached reports are retried while the agent runs (TaskHeartbeatInterval). */
  spoolRetryMs: number;
  /** How long a stopping agent tries to deliver cached reports before leaving them for the next start. @default 10000 */
  finalDeliveryMs?: number;
}

/**
 * The running worker: the listener (claims), the heartbeat (leases, cancels) and the dispatcher (packages), plus
 * the retry of cached reports. `stop()` drains: no new claims, running tasks may finish until DrainTimeout, then
 * they are canceled and reported abandoned (the master may retry them elsewhere). `stop({ force: true })` kills
 * every package at once and keeps the reports on disk for the next start.
 */
export class WorkerAgent {
  readonly #claiming = new AbortController();
  readonly #background = new AbortController();
  #stopping: 'drain' | 'force' | undefined;

  constructor(private readonly parts: WorkerAgentParts) {}

  /** Runs until stopped; resolves once every task has ended and been reported (or cached). */
  async run(): Promise<void> {
    const heartbeat = this.parts.heartbeat.run(this.#background.signal);
    const retries = this.#retryCachedReports(this.#background.signal);
    await this.parts.listener.run(this.#claiming.signal);
    await this.parts.dispatcher.idle();
    this.#background.abort();
    await Promise.all([heartbeat, retries]);
    if (this.#stopping !== 'force' && this.parts.spool.pendingCount > 0) {
      const gaveUp = new AbortController();
      await Promise.race([this.parts.spool.deliverPending(), this.parts.clock.sleep(this.parts.finalDeliveryMs ?? 10_000, gaveUp.signal)]);
      gaveUp.abort();
    }
    const left = this.parts.spool.pendingCount;
    this.parts.log.info(left > 0 ? `stopped; ${left} report(s) wait in ExecutionLogCacheFolder for the next start` : 'stopped');
  }

  /** First call: drain. With `force` (a second signal): stop every package now. */
  stop(options: { force?: boolean } = {}): void {
    const { dispatcher, log, clock } = this.parts;
    if (options.force) {
      if (this.#stopping === 'force') return;
      this.#stopping = 'force';
      this.#claiming.abort();
      log.warn(`stopping now: killing ${dispatcher.taskCount} running task(s); their reports are kept for the next start`);
      this.parts.spool.goOffline();
      dispatcher.abortAll('shutdown', 'the worker was stopped forcefully', true);
      return;
    }
    if (this.#stopping) return;
    this.#stopping = 'drain';
    this.#claiming.abort();
    const deadline = this.parts.drainTimeoutMs;
    log.info(`draining: no new tasks; ${dispatcher.taskCount} running task(s) may finish within ${Math.round(deadline / 1000)} s (send the signal again to stop at once)`);
    void clock.sleep(deadline, this.#background.signal).then(() => {
      if (this.#background.signal.aborted || this.#stopping !== 'drain') return;
      log.warn(`DrainTimeout passed: canceling ${dispatcher.taskCount} task(s) and giving them back to the master`);
      dispatcher.abortAll('shutdown', 'DrainTimeout passed while the worker was stopping', false);
    });
  }

  async #retryCachedReports(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.parts.clock.sleep(this.parts.spoolRetryMs, signal);
      if (!signal.aborted && this.parts.spool.pendingCount > 0) await this.parts.spool.deliverPending();
    }
  }
}
