import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCatalog } from '../../bench/catalog-setup.js';
import type { WorkerReport } from '../../bench/simulated-worker.js';
import { openCatalog, type WorkerGroupConfig } from '../../bench/worker-group.js';
import { runWorkerProcesses } from '../../bench/worker-processes.js';
import { distFolder } from '../support/dist.js';

/**
 * Several master processes (real child processes running the compiled catalog) claim from one SQLite file, each
 * serving several simulated workers. The workers always ask for more slots than they have free, so only the
 * catalog keeps them within MaxTaskCount; now and then one goes silent on what it just claimed (its lease expires
 * at once), the attempts are swept and re-queued, and its late reports must be refused without changing
 * anything. Afterwards the catalog itself must show every execution succeeded exactly once, nothing lost or
 * duplicated, and no worker ever above its MaxTaskCount.
 */

const processes = 3;
const workersPerProcess = 3;
const executions = 240;

interface TaskRow {
  task_id: number;
  execution_id: number;
  attempt_number: number;
  state: string;
  worker_agent_id: string | null;
  claimed_time: number | null;
  end_time: number | null;
  exit_code: number | null;
  result_message: string | null;
}

let folder: string;
let tasks: TaskRow[];
let executionRows: { execution_id: number; status: number }[];
let maxTaskCounts: Map<string, number>;
let reports: WorkerReport[];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'scaleout-concurrency-'));
  // NORMAL: what this test checks is who gets which task, not what survives a power cut; it runs faster.
  const store = { filename: join(folder, 'catalog.sqlite'), synchronous: 'NORMAL', dataKeyHex: randomBytes(32).toString('hex') } as const;
  const leaseMs = 10 * 60_000;
  const catalog = await openCatalog(store, leaseMs);
  const workerAgentIds = await prepareCatalog(catalog, {
    workers: processes * workersPerProcess,
    maxTaskCount: 2,
    executions,
    // Enough retries that no execution runs out of them through lost leases alone.
    retryCount: 20,
  });
  // Workers of different sizes, so that each limit is the worker's own.
  maxTaskCounts = new Map(workerAgentIds.map((id, index) => [id, 2 + (index % 3)]));
  for (const [workerAgentId, maxTaskCount] of maxTaskCounts) {
    await catalog.setWorkerAgentProperty(workerAgentId, { maxTaskCount }, 'test');
  }
  await catalog.close();

  const groups: WorkerGroupConfig[] = Array.from({ length: processes }, (_, p) => ({
    ...store,
    leaseMs,
    workers: workerAgentIds
      .slice(p * workersPerProcess, (p + 1) * workersPerProcess)
      .map((workerAgentId, i) => ({ workerAgentId, maxTaskCount: maxTaskCounts.get(workerAgentId)!, seed: 17 + p * 100 + i })),
    behaviour: { extraSlots: 3, completeChance: 0.5, loseLeaseChance: 0.08 },
  }));
  ({ reports } = await runWorkerProcesses(groups, { workerScript: join(distFolder, 'bench', 'worker-process.js') }));

  const database = new BetterSqlite3(store.filename, { readonly: true });
  try {
    tasks = database.prepare<[], TaskRow>('SELECT * FROM tasks ORDER BY task_id').all();
    executionRows = database.prepare<[], { execution_id: number; status: number }>('SELECT execution_id, status FROM executions').all();
  } finally {
    database.close();
  }
}, 240_000);

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('several processes claiming from one SQLite file', () => {
  it('ends every execution succeeded, with exactly one succeeded attempt', () => {
    expect(executionRows).toHaveLength(executions);
    expect(executionRows.filter((row) => row.status !== 7)).toEqual([]);
    const succeeded = tasks.filter((task) => task.state === 'succeeded');
    expect(succeeded).toHaveLength(executions);
    expect(new Set(succeeded.map((task) => task.execution_id)).size).toBe(executions);
  });

  it('loses no attempt and duplicates none: attempts 1…n, every one but the last lost, the last succeeded', () => {
    const byExecution = new Map<number, TaskRow[]>();
    for (const task of tasks) byExecution.set(task.execution_id, [...(byExecution.get(task.execution_id) ?? []), task]);
    for (const attempts of byExecution.values()) {
      expect(attempts.map((task) => task.attempt_number)).toEqual(attempts.map((_, i) => i + 1));
      expect(attempts.map((task) => task.state)).toEqual([...attempts.slice(1).map(() => 'lost'), 'succeeded']);
    }
  });

  it('gave each attempt to exactly one worker, the one the catalog names, and recorded each success once', () => {
    const claimed = reports.flatMap((report) => report.claimed.map((ref) => ({ ...ref, workerAgentId: report.workerAgentId })));
    expect(new Set(claimed.map((ref) => ref.taskId)).size).toBe(claimed.length);
    expect(claimed.map((ref) => ref.taskId).sort((a, b) => a - b)).toEqual(tasks.map((task) => task.task_id));
    const holder = new Map(tasks.map((task) => [task.task_id, task]));
    for (const ref of claimed) {
      expect(holder.get(ref.taskId)).toMatchObject({ worker_agent_id: ref.workerAgentId, attempt_number: ref.attemptNumber });
    }
    const completed = reports.flatMap((report) => report.completed.map((ref) => ref.taskId)).sort((a, b) => a - b);
    expect(completed).toEqual(tasks.filter((task) => task.state === 'succeeded').map((task) => task.task_id));
  });

  it('refused every late report on a lost attempt, and the refusal changed nothing', () => {
    expect(reports.flatMap((report) => report.fencingViolations)).toEqual([]);
    const lost = tasks.filter((task) => task.state === 'lost');
    // The chaos did happen, and every lost attempt got its late report.
    expect(lost.length).toBeGreaterThan(5);
    expect(reports.reduce((sum, report) => sum + report.staleRefused, 0)).toBe(lost.length);
    for (const task of lost) {
      expect(task).toMatchObject({ exit_code: null, result_message: expect.stringMatching(/^lease expired/) });
    }
  });

  it('never let a worker hold more than its MaxTaskCount, by its own count after each claim', () => {
    for (const report of reports) {
      expect(report.maxHeldAfterClaim).toBeLessThanOrEqual(maxTaskCounts.get(report.workerAgentId)!);
    }
    // The limit was reached, so the check bit: workers asked for more than they could have.
    expect(reports.filter((report) => report.maxHeldAfterClaim === maxTaskCounts.get(report.workerAgentId))).not.toHaveLength(0);
  });

  it('never let a worker hold more than its MaxTaskCount, by the claim and end times in the tasks table', () => {
    for (const [workerAgentId, maxTaskCount] of maxTaskCounts) {
      // Ends before starts at the same millisecond: an attempt ended is no longer running.
      const events = tasks
        .filter((task) => task.worker_agent_id === workerAgentId)
        .flatMap((task) => [
          { time: task.claimed_time!, change: 1 },
          { time: task.end_time!, change: -1 },
        ])
        .sort((a, b) => a.time - b.time || a.change - b.change);
      let running = 0;
      let most = 0;
      for (const event of events) {
        running += event.change;
        most = Math.max(most, running);
      }
      expect(most).toBeLessThanOrEqual(maxTaskCount);
    }
  });
});
