import type { ClaimedTask, TaskOutcome, TaskRef } from '../contracts/worker-protocol.js';
import type { AgentClock } from './clock.js';
import { asError, describeError } from './errors.js';
import { EventShipper } from './event-shipper.js';
import type { Logger } from './log.js';
import type { PackageExecutor } from './package-executor.js';
import type { ReportSpool } from './report-spool.js';
import type { PackageExit } from './runners/run-package.js';
import { TaskAbort } from './task-abort.js';

/**
 * - `confirming`: claimed; waiting for the first heartbeat to confirm the lease. Nothing has started.
 * - `running`: the package runs (or is being prepared).
 * - `reporting`: the package ended; its last events and its completion are being handed to the report spool.
 * - `done`: nothing more to do. The lease is no longer held.
 */
export type AttemptState = 'confirming' | 'running' | 'reporting' | 'done';

export interface TaskAttemptDependencies {
  clock: AgentClock;
  log: Logger;
  spool: ReportSpool;
  executor: PackageExecutor;
  /** @default 1000 */
  eventFlushIntervalMs?: number;
}

/** What is reported when an attempt ends; `undefined` means nothing is (the lease was lost). */
export interface Completion {
  outcome: TaskOutcome;
  exitCode: number | null;
  message: string;
}

/**
 * One attempt of one task on this worker, from claim to report. It does not start the package before its lease is
 * confirmed; then the package races its own end, the per-package timeout and any abort (lease lost, cancel,
 * shutdown, master unreachable).
 */
export class TaskAttempt {
  readonly ref: TaskRef;
  readonly #controller = new AbortController();
  readonly #shipper: EventShipper;
  #state: AttemptState = 'confirming';
  #leaseLost = false;
  #confirmLease: () => void = () => undefined;
  readonly #leaseConfirmed = new Promise<void>((resolve) => (this.#confirmLease = resolve));
  /** What the package last said went wrong (a stderr line or an error event): the failure's message. */
  #lastErrorLine = '';
  #result: string | undefined;

  constructor(
    readonly task: ClaimedTask,
    private readonly leaseMs: number,
    private readonly deps: TaskAttemptDependencies,
  ) {
    this.ref = { taskId: task.taskId, attemptNumber: task.attemptNumber };
    // Sensitive values and the task's own credential never appear in a shipped line.
    const secrets = [
      task.taskCredential,
      ...task.sensitiveParameterNames.flatMap((name) => {
        const value = task.parameters[name];
        return value === undefined ? [] : [String(value)];
      }),
    ];
    this.#shipper = new EventShipper(this.ref, deps.spool, deps.clock, deps.log, {
      secrets,
      ...(deps.eventFlushIntervalMs !== undefined ? { flushIntervalMs: deps.eventFlushIntervalMs } : {}),
    });
  }

  /** Whether this worker still holds the lease (and heartbeats must carry this attempt). */
  get holdsLease(): boolean {
    return this.#state !== 'done' && !this.#leaseLost;
  }

  /** A heartbeat renewed the lease: the package may start. */
  leaseRenewed(): void {
    this.#confirmLease();
  }

  /**
   * Stops the attempt. The first abort decides the outcome, except that a lost lease always wins: once the lease
   * is lost no completion is reported, whatever else was under way. The lines the package logged until it was
   * killed are still shipped: they are what ran on this machine, and the master keeps them in the execution's log.
   */
  abort(abort: TaskAbort): void {
    if (this.#state === 'done') return;
    if (abort.reason === 'lease-lost') this.#leaseLost = true;
    if (!this.#controller.signal.aborted) this.#controller.abort(abort);
  }

  /** Runs the attempt to its end; never rejects. */
  async run(): Promise<void> {
    try {
      const completion = await this.#runToCompletion();
      if (this.#leaseLost) await this.#shipLogWithoutCompletion();
      else if (completion) await this.#report(completion);
    } catch (thrown) {
      this.deps.log.error(`task ${this.#name()}: ${describeError(asError(thrown))}`);
    } finally {
      this.#state = 'done';
    }
  }

  async #runToCompletion(): Promise<Completion | undefined> {
    const confirmed = await this.#waitForLease();
    if (confirmed === 'not-confirmed') {
      this.deps.log.warn(`task ${this.#name()}: the lease was not confirmed within ${this.leaseMs} ms; not started`);
      return undefined;
    }
    if (confirmed instanceof TaskAbort) return completionOf({ exitCode: null, signal: null, abort: confirmed }, this.task, 'before it started');

    this.#state = 'running';
    this.deps.log.info(`task ${this.#name()}: started (${this.task.runner} ${this.task.entry})`);
    this.#note(`started: ${this.task.runner} ${this.task.entry}`);
    const timer = this.#startTimeout();
    let exit: PackageExit;
    try {
      exit = await this.deps.executor.execute(this.task, {
        signal: this.#controller.signal,
        output: {
          line: (stream, text) => {
            if (stream === 'stderr' && text.trim() !== '') this.#lastErrorLine = text;
            this.#shipper.add(stream === 'stderr' ? 'warning' : 'information', stream, text);
          },
          event: (type, message) => {
            if (type === 'error' && message.trim() !== '') this.#lastErrorLine = message.split('\n', 1)[0] ?? message;
            this.#shipper.add(type, 'package', message);
          },
          result: (message) => {
            this.#result = this.#shipper.mask(message);
          },
          whenReady: () => this.#shipper.whenReady(),
        },
        note: (message) => this.#note(message),
      });
    } catch (thrown) {
      return { outcome: 'failed', exitCode: null, message: describeError(asError(thrown)) };
    } finally {
      timer.abort();
    }
    const completion = completionOf(exit, this.task, '', this.#shipper.mask(this.#lastErrorLine), this.#result);
    this.deps.log.info(`task ${this.#name()}: ${completion ? `${completion.outcome}: ${completion.message}` : 'lease lost: stopped, no completion reported'}`);
    return completion;
  }

  /** `true` once the lease is confirmed; the abort if one comes first; `not-confirmed` when the lease ran out. */
  async #waitForLease(): Promise<true | TaskAbort | 'not-confirmed'> {
    const stop = new AbortController();
    const signal = this.#controller.signal;
    const aborted = new Promise<TaskAbort>((resolve) => {
      const onAbort = (): void => resolve(signal.reason as TaskAbort);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([
        this.#leaseConfirmed.then(() => true as const),
        aborted,
        this.deps.clock.sleep(this.leaseMs, stop.signal).then(() => 'not-confirmed' as const),
      ]);
    } finally {
      stop.abort();
    }
  }

  #startTimeout(): AbortController {
    const timer = new AbortController();
    const timeoutMs = this.task.timeoutMs;
    if (timeoutMs !== null) {
      void this.deps.clock.sleep(timeoutMs, timer.signal).then(() => {
        if (timer.signal.aborted) return;
        this.abort(new TaskAbort('timeout', `timed out after ${timeoutMs / 1000} s`, false));
      });
    }
    return timer;
  }

  async #report(completion: Completion): Promise<void> {
    this.#state = 'reporting';
    if (completion.outcome === 'failed') this.#shipper.add('error', 'worker', completion.message);
    else if (completion.outcome !== 'succeeded') this.#shipper.add('warning', 'worker', completion.message);
    await this.#shipper.flush();
    if (this.#leaseLost) return;
    const result = await this.deps.spool.submit({
      kind: 'complete',
      taskId: this.task.taskId,
      attemptNumber: this.task.attemptNumber,
      outcome: completion.outcome,
      exitCode: completion.exitCode,
      message: completion.message.slice(0, 4000),
    });
    if (result === 'spooled') this.deps.log.info(`task ${this.#name()}: ${completion.outcome}; the report waits in ExecutionLogCacheFolder until the master answers`);
  }

  /** The lease is gone: a completion would be refused (409), but what the package logged is still its log. */
  async #shipLogWithoutCompletion(): Promise<void> {
    if (this.#state === 'running') {
      this.#shipper.add(
        'warning',
        'worker',
        'the lease was lost (it ran out, or the master gave the task to another worker): the package was killed; this attempt reports no completion',
      );
    }
    await this.#shipper.flush();
  }

  #note(message: string): void {
    this.#shipper.add('information', 'worker', message);
  }

  #name(): string {
    return `${this.task.taskId}.${this.task.attemptNumber} (${this.task.folderName}/${this.task.projectName}/${this.task.packageName})`;
  }
}

/** How an ended package is reported. `when` qualifies an abort that came before the package started. */
export function completionOf(
  exit: PackageExit,
  task: ClaimedTask,
  when = '',
  lastErrorLine = '',
  result?: string,
): Completion | undefined {
  const qualifier = when ? ` ${when}` : '';
  if (exit.abort) {
    switch (exit.abort.reason) {
      case 'lease-lost':
        return undefined;
      case 'canceled':
        return { outcome: 'canceled', exitCode: exit.exitCode, message: `canceled${qualifier}` };
      case 'timeout':
        return { outcome: 'failed', exitCode: exit.exitCode, message: exit.abort.message };
      case 'shutdown':
        return { outcome: 'abandoned', exitCode: exit.exitCode, message: `the worker shut down${qualifier}: ${exit.abort.message}` };
      case 'master-unreachable':
        return { outcome: 'abandoned', exitCode: exit.exitCode, message: `stopped${qualifier}: ${exit.abort.message}` };
    }
  }
  if (exit.exitCode === 0) return { outcome: 'succeeded', exitCode: 0, message: result ?? `${task.packageName} succeeded` };
  const how = exit.exitCode !== null ? `exited with code ${exit.exitCode}` : `was killed by ${exit.signal ?? 'a signal'}`;
  return {
    outcome: 'failed',
    exitCode: exit.exitCode,
    message: `${task.packageName} ${how}${lastErrorLine ? `: ${lastErrorLine.slice(0, 1000)}` : ''}`,
  };
}
