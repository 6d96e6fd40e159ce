import { heldClaimMs } from '../../contracts/doorbell.js';
import type { Clock } from '../clock.js';

/**
 * The workers this instance serves with held claims (the one-box). Such a worker does not read its doorbell: it is
 * either in a claim here, which the in-process signal wakes, or about to ask here again (after an answer from a
 * claim held at least `heldClaimMs` the agent asks again at once, and with tasks it asks again once it has a free
 * slot), and every claim looks at the catalog before it waits. So work made claimable on this instance need not
 * ring their bells: a ring would cost storage requests now, and a claim for nothing later, when a held claim of
 * theirs heard it.
 *
 * A worker counts as served here while a claim of it is under way here, and for `claimMaxWaitMs` after the last
 * one was answered: long enough to come back, short enough that a worker now served by another instance is rung
 * again soon.
 */
export class ClaimsHeldHere {
  /** Claims under way here, per worker. */
  readonly #underWay = new Map<string, number>();
  /** When each worker's last claim here was answered. */
  readonly #answeredAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly claimMaxWaitMs: number,
  ) {}

  /**
   * A claim of this worker arrived, willing to wait `waitMs`. Returns what to call once it is answered. A claim this
   * instance will not hold for `heldClaimMs` (Azure, or a worker asking not to wait) leaves the worker to its bell.
   */
  arrived(workerAgentId: string, waitMs: number): () => void {
    if (Math.min(waitMs, this.claimMaxWaitMs) < heldClaimMs) return () => undefined;
    this.#underWay.set(workerAgentId, (this.#underWay.get(workerAgentId) ?? 0) + 1);
    return () => {
      const left = (this.#underWay.get(workerAgentId) ?? 1) - 1;
      if (left > 0) this.#underWay.set(workerAgentId, left);
      else this.#underWay.delete(workerAgentId);
      this.#answeredAt.set(workerAgentId, this.clock.now());
    };
  }

  /** The workers served here now: their bells need not ring for work made claimable here. */
  workers(): Set<string> {
    const since = this.clock.now() - this.claimMaxWaitMs;
    const served = new Set(this.#underWay.keys());
    for (const [workerAgentId, answeredAt] of this.#answeredAt) {
      if (answeredAt >= since) served.add(workerAgentId);
      else this.#answeredAt.delete(workerAgentId);
    }
    return served;
  }
}
