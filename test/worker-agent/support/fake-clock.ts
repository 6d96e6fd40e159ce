import type { AgentClock } from '../../../worker-agent/clock.js';

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * A clock tests move by hand: `sleep` resolves only when `advance` passes its deadline (or its signal fires), so
 * heartbeats, backoff, lease confirmation and timeouts happen exactly when a test says, never on real time.
 */
export class FakeClock implements AgentClock {
  #now: number;
  #timers: Timer[] = [];
  /** Every duration a loop asked to sleep, in order. */
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      };
      // A sleep that ends on time lets go of its signal, as the system clock's does.
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** How many sleeps are waiting. */
  get pendingSleeps(): number {
    return this.#timers.length;
  }

  /** Moves time forward, firing each due sleep in order and letting the code it wakes run before the next. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.resolve();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets pending promise chains (and quick I/O callbacks) run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits (on real time, for real processes and files) until `check` holds. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
