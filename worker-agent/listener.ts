import { randomUUID } from 'node:crypto';
import { heldClaimMs } from '../contracts/doorbell.js';
import type { AgentClock } from './clock.js';
import { Backoff } from './backoff.js';
import { asError } from './errors.js';
import type { Logger } from './log.js';
import type { ConnectivityMonitor } from './master/connectivity.js';
import type { MasterClient } from './master/master-client.js';
import type { Dispatcher } from './dispatcher.js';
import type { Doorbell } from './doorbell.js';
import type { ReportSpool } from './report-spool.js';
import type { ResourceProbe } from './resources.js';

export interface ListenerOptions {
  master: MasterClient;
  clock: AgentClock;
  log: Logger;
  connectivity: ConnectivityMonitor;
  dispatcher: Pick<Dispatcher, 'freeSlots' | 'waitForFreeSlot' | 'accept' | 'workerEnabled' | 'waitUntilEnabled'>;
  spool: Pick<ReportSpool, 'pendingCount' | 'deliverPending'>;
  resources: ResourceProbe;
  /** TaskRequestMaxCPU; 100 means no limit. */
  maxCpuPercent: number;
  /** TaskRequestMinMemory, in MB. */
  minMemoryMb: number;
  /** How long the master may hold a claim open waiting for work (it caps this). @default 50000 */
  claimWaitMs?: number;
  /** Waits after a claim that found nothing. @default 1 s doubling to 30 s, jittered */
  idleBackoff?: Backoff;
  /** Waits after the master failed. @default 2 s doubling to 60 s, jittered */
  errorBackoff?: Backoff;
  /** The worker's doorbell: while it has a ticket, an idle listener waits for a ring instead of polling. */
  doorbell?: Pick<Doorbell, 'ready' | 'waitForRing'>;
  /**
   * With a doorbell, the longest an idle worker goes without asking the master anyway (should a ring be lost).
   * Each such claim costs the catalog a statement or two and, in Azure, a billed second, so it is rare.
   * @default 60 minutes
   */
  safetyClaimMs?: number;
}

/**
 * The listener asks the master for work. It claims while this worker has free slots and the machine is below
 * TaskRequestMaxCPU and above TaskRequestMinMemory; asks again at once while work keeps coming; when there is none,
 * waits for its doorbell to ring (or, without one, backs off with jitter); backs off when the master fails. Reports cached on disk are delivered before any new claim.
 * It never runs a package itself: it hands each leased task to the dispatcher.
 */
export class Listener {
  readonly #idle: Backoff;
  readonly #error: Backoff;
  readonly #claimWaitMs: number;
  readonly #safetyClaimMs: number;
  #holdingBack: string | undefined;
  #saidDisabled = false;

  constructor(private readonly options: ListenerOptions) {
    this.#idle = options.idleBackoff ?? new Backoff({ initialMs: 1000, maxMs: 30_000 });
    this.#error = options.errorBackoff ?? new Backoff({ initialMs: 2000, maxMs: 60_000 });
    this.#claimWaitMs = options.claimWaitMs ?? 50_000;
    this.#safetyClaimMs = options.safetyClaimMs ?? 60 * 60_000;
  }

  /** Claims until `signal` fires (the agent drains). */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, dispatcher, spool, master, connectivity } = this.options;
    let claimId: string | undefined;
    while (!signal.aborted) {
      await dispatcher.waitForFreeSlot(signal);
      if (signal.aborted) break;
      if (spool.pendingCount > 0 && !(await spool.deliverPending())) {
        await clock.sleep(this.#error.next(), signal);
        continue;
      }
      if (!dispatcher.workerEnabled) {
        // Nothing to ask for until a heartbeat says an administrator enabled the worker again; then at once.
        this.#sayDisabled();
        await dispatcher.waitUntilEnabled(signal);
        continue;
      }
      this.#sayEnabled();
      if (!this.#machineHasRoom()) {
        await clock.sleep(this.#idle.next(), signal);
        continue;
      }
      const startedAt = clock.now();
      // A claim that failed is sent again under its id: if the master leased tasks before the answer was lost,
      // it answers those again rather than leaving them to expire while this worker runs nothing.
      claimId ??= randomUUID();
      let answer;
      try {
        answer = await master.claimTasks({ freeSlots: dispatcher.freeSlots, waitMs: this.#claimWaitMs, claimId }, signal);
      } catch (thrown) {
        if (signal.aborted) break;
        connectivity.failed('claim', asError(thrown));
        await clock.sleep(this.#error.next(), signal);
        continue;
      }
      claimId = undefined;
      connectivity.succeeded();
      this.#error.reset();
      for (const task of answer.tasks) dispatcher.accept(task, answer.leaseMs);
      if (answer.tasks.length > 0) {
        this.#idle.reset();
        continue;
      }
      const heldMs = clock.now() - startedAt;
      const { doorbell } = this.options;
      if (doorbell?.ready) {
        // A master that held the claim listened to the doorbell meanwhile: ask again at once. One that answered
        // at once (Azure) leaves the worker to wait for its doorbell.
        if (heldMs >= heldClaimMs) continue;
        const waited = await doorbell.waitForRing(this.#safetyClaimMs, signal);
        if (waited !== 'unavailable') {
          this.#idle.reset();
          continue;
        }
      }
      // Time the master held the request open counts as waiting already.
      const idleMs = this.#idle.next() - heldMs;
      if (idleMs > 0) await clock.sleep(idleMs, signal);
    }
  }

  #sayDisabled(): void {
    if (!this.#saidDisabled) this.options.log.warn('the master has disabled this worker: no new tasks until an administrator enables it');
    this.#saidDisabled = true;
  }

  #sayEnabled(): void {
    if (this.#saidDisabled) this.options.log.info('the master has enabled this worker again');
    this.#saidDisabled = false;
  }

  #machineHasRoom(): boolean {
    const { log, resources } = this.options;
    const { cpuPercent, freeMemoryMb } = resources.sample();
    // At 100% the limit is off: a saturated CPU reads as exactly 100, which must not stop the worker for good.
    const cpuLimited = this.options.maxCpuPercent < 100;
    const reason =
      cpuLimited && cpuPercent >= this.options.maxCpuPercent
        ? `CPU at ${Math.round(cpuPercent)}% (TaskRequestMaxCPU ${this.options.maxCpuPercent}%)`
        : freeMemoryMb < this.options.minMemoryMb
          ? `${Math.round(freeMemoryMb)} MB free (TaskRequestMinMemory ${this.options.minMemoryMb} MB)`
          : undefined;
    if (reason && !this.#holdingBack) log.warn(`not asking for tasks: ${reason}`);
    if (!reason && this.#holdingBack) log.info('asking for tasks again: the machine has room');
    this.#holdingBack = reason;
    return reason === undefined;
  }
}
