import type { ClaimedTask, TaskRef } from '../contracts/worker-protocol.js';
import type { HeartbeatTarget } from './heartbeat.js';
import type { Logger } from './log.js';
import type { HeartbeatResponse } from './master/master-client.js';
import { TaskAbort, type AbortReason } from './task-abort.js';
import { TaskAttempt, type TaskAttemptDependencies } from './task-attempt.js';

export interface DispatcherOptions extends TaskAttemptDependencies {
  /** MaxTaskCount. */
  maxTaskCount: number;
  /** HeartbeatErrorTolerance: running tasks are abandoned when the master has not answered for this long. */
  heartbeatErrorToleranceMs: number;
  /** Ask the heartbeat loop for a heartbeat now (a new task waits for one to confirm its lease). */
  requestHeartbeat: () => void;
  log: Logger;
}

const key = (ref: TaskRef): string => `${ref.taskId}.${ref.attemptNumber}`;

/**
 * Runs the tasks the listener claims, up to MaxTaskCount at once, and applies what the heartbeat learns: a lease
 * renewed (a new task may start), lost (kill it, report no completion), canceled (stop it, report `canceled`), the
 * master silent for longer than HeartbeatErrorTolerance (stop everything, report `abandoned` once it is back), or
 * the master refusing this worker for longer than a lease (its leases are gone: kill everything, as if lost).
 */
export class Dispatcher implements HeartbeatTarget {
  readonly #attempts = new Map<string, TaskAttempt>();
  readonly #running = new Set<Promise<void>>();
  #slotWaiters: (() => void)[] = [];
  #enabledWaiters: (() => void)[] = [];
  #workerEnabled = true;
  #unreachableAbortSent = false;

  constructor(private readonly options: DispatcherOptions) {}

  get freeSlots(): number {
    return Math.max(0, this.options.maxTaskCount - this.#attempts.size);
  }

  get taskCount(): number {
    return this.#attempts.size;
  }

  /** Whether the master gives this worker new work (an administrator can disable a worker). */
  get workerEnabled(): boolean {
    return this.#workerEnabled;
  }

  /** Resolves when a slot is free, or when `signal` fires. */
  waitForFreeSlot(signal: AbortSignal): Promise<void> {
    if (this.freeSlots > 0 || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#slotWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves once a heartbeat says the worker is enabled (at once if it is), or when `signal` fires. */
  waitUntilEnabled(signal: AbortSignal): Promise<void> {
    if (this.#workerEnabled || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#enabledWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Takes a task the master has just leased to this worker. It starts once a heartbeat confirms the lease. */
  accept(task: ClaimedTask, leaseMs: number): void {
    const id = key(task);
    if (this.#attempts.has(id)) return;
    const attempt = new TaskAttempt(task, leaseMs, this.options);
    this.#attempts.set(id, attempt);
    const running = attempt.run().finally(() => {
      this.#attempts.delete(id);
      this.#running.delete(running);
      const waiters = this.#slotWaiters;
      this.#slotWaiters = [];
      for (const wake of waiters) wake();
    });
    this.#running.add(running);
    this.options.requestHeartbeat();
  }

  /**
   * The running attempts, and the ended ones whose completion waits in ExecutionLogCacheFolder: until the master
   * has the completion, the lease is this worker's to keep, or the master would count a finished package as lost
   * the moment it is back.
   */
  heldAttempts(): TaskRef[] {
    const held = [...this.#attempts.values()].filter((a) => a.holdsLease).map((a) => a.ref);
    const ids = new Set(held.map(key));
    for (const ref of this.options.spool.pendingCompletions()) {
      if (!ids.has(key(ref))) held.push(ref);
    }
    return held;
  }

  heartbeatAnswered(sent: TaskRef[], answer: HeartbeatResponse): void {
    this.#workerEnabled = answer.workerEnabled;
    if (answer.workerEnabled) {
      const waiters = this.#enabledWaiters;
      this.#enabledWaiters = [];
      for (const wake of waiters) wake();
    }
    this.#unreachableAbortSent = false;
    const lost = new Set(answer.lost.map(key));
    const cancel = new Set(answer.cancel.map(key));
    const renewed = new Set(answer.renewed.map(key));
    for (const ref of sent) {
      const attempt = this.#attempts.get(key(ref));
      if (!attempt) continue;
      const id = key(ref);
      if (lost.has(id) || (!renewed.has(id) && !cancel.has(id))) {
        this.options.log.warn(`task ${id}: the master says this worker no longer holds the lease; killing it`);
        attempt.abort(new TaskAbort('lease-lost', 'the lease was lost', true));
      } else if (cancel.has(id)) {
        attempt.leaseRenewed();
        attempt.abort(new TaskAbort('canceled', 'the execution is being stopped', false));
      } else {
        attempt.leaseRenewed();
      }
    }
  }

  heartbeatFailed(silentForMs: number): void {
    if (silentForMs < this.options.heartbeatErrorToleranceMs || this.#unreachableAbortSent) return;
    const running = [...this.#attempts.values()].filter((a) => a.holdsLease);
    if (running.length === 0) return;
    this.#unreachableAbortSent = true;
    const seconds = Math.round(silentForMs / 1000);
    this.options.log.error(
      `the master has not answered for ${seconds} s (HeartbeatErrorTolerance): stopping ${running.length} task(s); they are reported abandoned once it is back`,
    );
    for (const attempt of running) {
      attempt.abort(new TaskAbort('master-unreachable', `the master did not answer heartbeats for ${seconds} s`, false));
    }
  }

  leasesRefused(reason: string): void {
    const running = [...this.#attempts.values()].filter((a) => a.holdsLease);
    if (running.length === 0) return;
    this.options.log.error(`${reason}; its leases have run out: killing ${running.length} task(s), reporting no completion`);
    for (const attempt of running) attempt.abort(new TaskAbort('lease-lost', `the master refuses this worker: ${reason}`, true));
  }

  /** Stops every task with the same reason. */
  abortAll(reason: AbortReason, message: string, immediate: boolean): void {
    for (const attempt of this.#attempts.values()) attempt.abort(new TaskAbort(reason, message, immediate));
  }

  /** Resolves when no task is left (each has ended and its report is delivered or spooled). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
