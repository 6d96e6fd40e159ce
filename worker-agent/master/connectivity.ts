import type { Logger } from '../log.js';
import { describeMasterFailure } from './master-errors.js';

/**
 * Says once that the master cannot be reached (and again only if the reason changes), and once that it is back:
 * a master outage must not flood the log with one line per retry of every loop.
 */
export class ConnectivityMonitor {
  #downSince: number | undefined;
  #lastReported: string | undefined;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  failed(operation: string, error: Error): void {
    const description = describeMasterFailure(error);
    this.#downSince ??= this.now();
    if (description === this.#lastReported) return;
    this.#lastReported = description;
    this.log.warn(`master unavailable (${operation}): ${description}; retrying with backoff`);
  }

  succeeded(): void {
    if (this.#downSince === undefined) return;
    const seconds = Math.round((this.now() - this.#downSince) / 1000);
    this.#downSince = undefined;
    this.#lastReported = undefined;
    this.log.info(`reconnected to the master after ${seconds} s`);
  }
}
