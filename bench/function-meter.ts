import type { MasterFunction } from '../functions/function-table.js';

/** What the master's functions did, as Flex Consumption would bill it (bench/azure-list-prices.ts says how). */
export interface FunctionUsage {
  /** Executions by trigger (http, timer, queue) and by function name. */
  executionsByTrigger: Record<MasterFunction['kind'], number>;
  executionsByFunction: Record<string, number>;
  /**
   * Billable instance-seconds: HTTP functions share their instances, so each stretch with at least one request in
   * flight is one billable period; every timer or queue execution is one of its own (they scale on instances of
   * their own). A period bills at least 1 s, and past that is rounded up to 100 ms (Flex Consumption's rule).
   */
  billableInstanceSecondsByTrigger: Record<MasterFunction['kind'], number>;
}

/** Flex Consumption bills an execution period at least this long, and rounds longer ones up to 100 ms. */
const minimumPeriodMs = 1000;
const roundingMs = 100;

export function billableSeconds(periodMs: number): number {
  return Math.max(minimumPeriodMs, Math.ceil(periodMs / roundingMs) * roundingMs) / 1000;
}

/**
 * The function table with every function wrapped in a meter that counts its executions and the periods an
 * instance would be billed for. The local host serves the wrapped copies (its `functions` option).
 */
export class FunctionMeter {
  readonly #executionsByTrigger: Record<MasterFunction['kind'], number> = { http: 0, timer: 0, queue: 0 };
  readonly #executionsByFunction: Record<string, number> = {};
  readonly #billableSeconds: Record<MasterFunction['kind'], number> = { http: 0, timer: 0, queue: 0 };
  #httpInFlight = 0;
  #httpPeriodStart = 0;

  wrap(functions: readonly MasterFunction[]): MasterFunction[] {
    return functions.map((fn): MasterFunction => {
      switch (fn.kind) {
        case 'http':
          return { ...fn, handler: (...args: Parameters<typeof fn.handler>) => this.#http(fn.name, () => fn.handler(...args)) };
        case 'timer':
          return { ...fn, run: (...args: Parameters<typeof fn.run>) => this.#alone('timer', fn.name, () => fn.run(...args)) };
        case 'queue':
          return { ...fn, run: (...args: Parameters<typeof fn.run>) => this.#alone('queue', fn.name, () => fn.run(...args)) };
      }
    });
  }

  usage(): FunctionUsage {
    // A period still open counts up to now.
    const open = this.#httpInFlight > 0 ? billableSeconds(performance.now() - this.#httpPeriodStart) : 0;
    return {
      executionsByTrigger: { ...this.#executionsByTrigger },
      executionsByFunction: { ...this.#executionsByFunction },
      billableInstanceSecondsByTrigger: { ...this.#billableSeconds, http: this.#billableSeconds.http + open },
    };
  }

  #count(kind: MasterFunction['kind'], name: string): void {
    this.#executionsByTrigger[kind]++;
    this.#executionsByFunction[name] = (this.#executionsByFunction[name] ?? 0) + 1;
  }

  async #http<T>(name: string, run: () => Promise<T>): Promise<T> {
    this.#count('http', name);
    if (this.#httpInFlight++ === 0) this.#httpPeriodStart = performance.now();
    try {
      return await run();
    } finally {
      if (--this.#httpInFlight === 0) this.#billableSeconds.http += billableSeconds(performance.now() - this.#httpPeriodStart);
    }
  }

  async #alone<T>(kind: 'timer' | 'queue', name: string, run: () => Promise<T>): Promise<T> {
    this.#count(kind, name);
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.#billableSeconds[kind] += billableSeconds(performance.now() - started);
    }
  }
}
