/**
 * Jittered exponential backoff, as actions/runner does it: each wait is drawn between half the current step and
 * the step, the step doubles up to `maxMs`. Jitter keeps a fleet of workers from hammering a master that comes
 * back, all at the same instant.
 */
export interface BackoffOptions {
  /** The first step. */
  initialMs: number;
  /** The largest step. */
  maxMs: number;
  /** A number in [0, 1). @default Math.random */
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  readonly #random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.#random = options.random ?? Math.random;
  }

  /** The next wait, in milliseconds; each call makes the following one longer (up to the cap). */
  next(): number {
    const step = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return Math.round(step / 2 + (step / 2) * this.#random());
  }

  reset(): void {
    this.#attempt = 0;
  }
}
