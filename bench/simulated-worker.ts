import { setTimeout as delay } from 'node:timers/promises';
import type { Catalog, TaskRef } from '../functions/catalog/catalog.js';
import type { ClaimedTask } from '../functions/catalog/domain.js';
import { StaleAttemptError } from '../functions/catalog/errors.js';
import { benchSweepSchedule } from './catalog-setup.js';

/** How a simulated worker behaves. The benchmark uses a well-behaved worker; the concurrency test a chaotic one. */
export interface WorkerBehaviour {
  /** Slots asked for beyond the free ones at each claim. Above 0 leaves MaxTaskCount to the catalog. @default 0 */
  extraSlots: number;
  /** The chance that a held task ends after each claim; 1 ends them all, less keeps some running across claims. */
  completeChance: number;
  /**
   * The chance that a claim is made through the catalog whose leases expire at once: the worker then acts as one
   * whose heartbeats stopped. Its attempts are swept and re-queued, and its late reports must be refused.
   * @default 0
   */
  loseLeaseChance: number;
}

export interface SimulatedWorkerOptions {
  catalog: Catalog;
  /** Claims through it lease for a millisecond; needed when `loseLeaseChance` > 0. */
  expiringCatalog?: Catalog | undefined;
  workerAgentId: string;
  maxTaskCount: number;
  behaviour: WorkerBehaviour;
  random: () => number;
  /** Asked when a claim brings nothing and the worker holds nothing: true ends the worker. */
  finished: () => Promise<boolean>;
}

/** What a worker saw, for the benchmark's count and the concurrency test's checks. */
export interface WorkerReport {
  workerAgentId: string;
  claims: number;
  /** Every attempt it was given, in order. */
  claimed: TaskRef[];
  /** Attempts it reported as succeeded, and the catalog recorded. */
  completed: TaskRef[];
  /** When each of those reports was answered (epoch ms), in the same order. */
  completedAt: number[];
  /** The most tasks it held right after a claim (its running count: it always reports before claiming again). */
  maxHeldAfterClaim: number;
  /** Late reports on lost attempts: refused with the attempt left as it was. */
  staleRefused: number;
  /** What must never happen: a late report accepted, or one that changed the attempt, or a lost lease renewed. */
  fencingViolations: string[];
}

/** Runs one worker until `finished` says so: claims what it may, ends what it holds, and reports. */
export async function runSimulatedWorker(options: SimulatedWorkerOptions): Promise<WorkerReport> {
  const { catalog, workerAgentId, behaviour, random } = options;
  const report: WorkerReport = {
    workerAgentId,
    claims: 0,
    claimed: [],
    completed: [],
    completedAt: [],
    maxHeldAfterClaim: 0,
    staleRefused: 0,
    fencingViolations: [],
  };
  const held = new Map<number, ClaimedTask>();
  for (;;) {
    const slots = options.maxTaskCount - held.size + behaviour.extraSlots;
    let claimed: ClaimedTask[] = [];
    if (slots > 0) {
      const losing = behaviour.loseLeaseChance > 0 && random() < behaviour.loseLeaseChance;
      const through = losing ? options.expiringCatalog : catalog;
      if (!through) throw new Error('loseLeaseChance needs an expiringCatalog');
      claimed = await through.claimTasks(workerAgentId, slots);
      report.claims++;
      for (const task of claimed) {
        held.set(task.taskId, task);
        report.claimed.push({ taskId: task.taskId, attemptNumber: task.attemptNumber });
      }
      report.maxHeldAfterClaim = Math.max(report.maxHeldAfterClaim, held.size);
      if (losing && claimed.length > 0) {
        await loseAndReportLate(options, claimed, report);
        for (const task of claimed) held.delete(task.taskId);
        continue;
      }
    }
    if (held.size === 0 && claimed.length === 0) {
      if (await options.finished()) return report;
      // Idle: others still hold the last tasks, or a lost one waits to be re-queued.
      await delay(2);
      continue;
    }
    const ending = [...held.values()].filter(() => random() < behaviour.completeChance);
    await Promise.all(
      ending.map(async (task) => {
        const ref = { taskId: task.taskId, attemptNumber: task.attemptNumber };
        await catalog.completeTask(workerAgentId, { ...ref, outcome: 'succeeded', exitCode: 0 });
        held.delete(task.taskId);
        report.completed.push(ref);
        report.completedAt.push(Date.now());
      }),
    );
  }
}

/**
 * The worker went silent on these attempts: once their lease is past, a sweep ends them and re-queues their
 * executions. Then the worker wakes up: its heartbeat must call every one lost, and its report that they
 * succeeded must be refused and change nothing.
 */
async function loseAndReportLate(options: SimulatedWorkerOptions, lost: ClaimedTask[], report: WorkerReport): Promise<void> {
  const { catalog, workerAgentId } = options;
  const deadline = Math.max(...lost.map((task) => task.leaseDeadline));
  while (Date.now() <= deadline) await delay(1);
  await catalog.expireLeases(benchSweepSchedule);
  const refs = lost.map((task) => ({ taskId: task.taskId, attemptNumber: task.attemptNumber }));
  const heartbeat = await catalog.renewLeases(workerAgentId, refs);
  if (heartbeat.renewed.length > 0) {
    report.fencingViolations.push(`renewed lost leases ${JSON.stringify(heartbeat.renewed)}`);
  }
  for (const ref of refs) {
    const before = await catalog.getTask(ref.taskId);
    try {
      await catalog.completeTask(workerAgentId, { ...ref, outcome: 'succeeded', exitCode: 0, message: 'late report' });
      report.fencingViolations.push(`accepted a late report on task ${ref.taskId} attempt ${ref.attemptNumber}`);
    } catch (error) {
      if (!(error instanceof StaleAttemptError)) throw error;
      const after = await catalog.getTask(ref.taskId);
      if (JSON.stringify(after) === JSON.stringify(before)) report.staleRefused++;
      else report.fencingViolations.push(`a refused report changed task ${ref.taskId}: ${JSON.stringify({ before, after })}`);
    }
  }
}
