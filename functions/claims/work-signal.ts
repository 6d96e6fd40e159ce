/**
 * Wakes claims waiting on this instance when work appears here, so a task started on the same instance is
 * dispatched in milliseconds, and an idle wait costs no catalog query.
 *
 * Each notification is a "generation". It wakes the longest-waiting claim; a claim that finds nothing it may
 * take (the work needs other tags or workers) passes the baton to the next waiter that has not yet tried that
 * generation. So one new task costs as many claim queries as it takes to find a taker, never one per waiter,
 * and a baton nobody can use is dropped instead of circling forever.
 */
interface Waiter {
  /** The newest generation this waiter has already looked for work at. */
  triedGeneration: number;
  wake(generation: number | null): void;
}

export class WorkSignal {
  #generation = 0;
  readonly #waiters: Waiter[] = [];

  /** The current generation: read it before checking the catalog, pass it to `wait`. */
  get generation(): number {
    return this.#generation;
  }

  /** A task was queued (a start, a retry): the longest-waiting claim looks. Says whether one was waiting. */
  notify(): boolean {
    this.#generation++;
    return this.#wakeNext(this.#generation);
  }

  /** Something changed for everyone (Scale Out or a worker enabled): every waiting claim looks again. */
  notifyAll(): void {
    this.#generation++;
    while (this.#wakeNext(this.#generation));
  }

  /** A woken claim found nothing it could take: let the next waiter try this generation. */
  passOn(generation: number): void {
    this.#wakeNext(generation);
  }

  /**
   * Waits for work newer than `seenGeneration`. Resolves with the generation to try, or `null` when the time is
   * up or `signal` aborts. If work appeared since `seenGeneration` (between the caller's check and this call),
   * resolves at once.
   */
  wait(seenGeneration: number, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
    if (this.#generation > seenGeneration) return Promise.resolve(this.#generation);
    if (timeoutMs <= 0 || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        triedGeneration: seenGeneration,
        wake: (generation) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          resolve(generation);
        },
      };
      const onAbort = (): void => waiter.wake(null);
      const timer = setTimeout(() => waiter.wake(null), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  #wakeNext(generation: number): boolean {
    const waiter = this.#waiters.find((w) => w.triedGeneration < generation);
    if (!waiter) return false;
    waiter.triedGeneration = generation;
    waiter.wake(generation);
    return true;
  }
}
