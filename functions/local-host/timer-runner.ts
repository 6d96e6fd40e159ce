import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Logger } from '../http/api-request.js';
import type { MasterServices } from '../master-services.js';
import type { TimerFunction } from '../timers/timer-function.js';

/**
 * Fires the master's timers on their NCRONTAB schedules, as the Functions host would: never two runs of one
 * timer at once (a run still going when the next is due is followed by exactly one more), failures logged and
 * not retried.
 */
export class TimerRunner {
  readonly #jobs: Cron[] = [];
  readonly #state = new Map<string, { running: Promise<void> | undefined; again: boolean }>();
  #stopped = false;

  constructor(
    private readonly timers: readonly TimerFunction[],
    private readonly services: MasterServices,
    private readonly log: Logger,
  ) {
    // Every timer can be triggered by hand from the start, whether or not its schedule runs.
    for (const timer of timers) this.#state.set(timer.name, { running: undefined, again: false });
  }

  start(): void {
    for (const timer of this.timers) {
      this.#jobs.push(new Cron(timer.schedule(this.services.config), { timezone: 'UTC' }, () => this.trigger(timer.name)));
    }
  }

  /** Runs a timer now (or right after its current run). */
  trigger(name: string): void {
    const timer = this.timers.find((t) => t.name === name);
    const state = this.#state.get(name);
    if (!timer || !state || this.#stopped) return;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = this.#run(timer).finally(() => {
      state.running = undefined;
      if (state.again && !this.#stopped) {
        state.again = false;
        this.trigger(name);
      }
    });
  }

  /** Stops scheduling and waits for runs in progress to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const job of this.#jobs) job.stop();
    await Promise.all([...this.#state.values()].map((state) => state.running));
  }

  async #run(timer: TimerFunction): Promise<void> {
    try {
      await timer.run(this.services, { invocationId: randomUUID(), functionName: timer.name, log: this.log });
    } catch (error) {
      this.log.error(`timer ${timer.name} failed`, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
