/**
 * When this instance last wrote each idle worker's online time, and what the catalog answered then. An idle
 * worker's heartbeat reaches the catalog at most once per `intervalMs` (SCALEOUT_WORKER_ONLINE_WRITE_MS): in
 * between this instance answers from here, so an idle fleet keeps a serverless database free to pause. A cache
 * that is safe to lose: a new instance writes at the first heartbeat it sees.
 */
export class WorkerOnlineWrites {
  readonly #written = new Map<string, { at: number; workerEnabled: boolean }>();

  constructor(private readonly intervalMs: number) {}

  /** The answer to give without the catalog, or undefined when the write is due. */
  cached(workerAgentId: string, now: number): { workerEnabled: boolean } | undefined {
    const written = this.#written.get(workerAgentId);
    return written && now - written.at < this.intervalMs ? { workerEnabled: written.workerEnabled } : undefined;
  }

  recorded(workerAgentId: string, now: number, workerEnabled: boolean): void {
    this.#written.set(workerAgentId, { at: now, workerEnabled });
  }

  /** An administrator changed the worker on this instance: its next heartbeat reads the catalog again. */
  forget(workerAgentId: string): void {
    this.#written.delete(workerAgentId);
  }
}
