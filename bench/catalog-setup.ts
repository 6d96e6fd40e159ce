import { createHash, randomBytes } from 'node:crypto';
import type { Catalog } from '../functions/catalog/catalog.js';

export interface CatalogSetup {
  workers: number;
  maxTaskCount: number;
  executions: number;
  /** SSISDB start_execution @retry_count of each execution. @default 0 */
  retryCount?: number;
  /** Called now and then with how many executions are created. */
  progress?: (created: number) => void;
}

const actor = 'bench:setup';

/**
 * The sweep schedule the bench declares to expireLeases. Simulated workers sweep whenever they lose a lease, at no
 * fixed rhythm; a long interval keeps every sweep of a run a judging one (a silence over twice it would mean an
 * outage, and the sweep would extend leases instead of expiring them).
 */
export const benchSweepSchedule = { sweepIntervalMs: 10 * 60_000 };

/** Executions created side by side: they share commits, as concurrent requests to a master would. */
const concurrency = 64;

/**
 * A realistic catalog to claim from: Scale Out enabled, a deployed project whose package takes a plain and a
 * sensitive parameter, enabled workers, and many started executions waiting. Returns the workers' ids.
 */
export async function prepareCatalog(catalog: Catalog, setup: CatalogSetup): Promise<string[]> {
  await catalog.enableScaleOut(actor);
  const archive = randomBytes(4096);
  await catalog.deployProject(
    {
      folderName: 'Bench',
      projectName: 'Loads',
      // The catalog benchmark has no archive store: the blob is named, never read.
      archiveName: 'Bench/Loads/bench.zip',
      archiveSha256: createHash('sha256').update(archive).digest('hex'),
      archiveSize: archive.length,
      manifest: { name: 'Loads' },
      packages: [
        {
          name: 'load',
          runner: 'node',
          entry: 'load.mjs',
          parameters: [
            { name: 'SourcePath', dataType: 'String', required: true, sensitive: false },
            { name: 'ApiToken', dataType: 'String', required: false, sensitive: true },
            { name: 'BatchSize', dataType: 'Int32', required: false, sensitive: false, defaultValue: 500 },
          ],
        },
      ],
    },
    actor,
  );
  const workerAgentIds: string[] = [];
  for (let i = 0; i < setup.workers; i++) {
    const worker = await catalog.addWorkerAgent(
      {
        machineName: `bench-worker-${i + 1}`,
        maxTaskCount: setup.maxTaskCount,
        certificate: { thumbprintSha256: randomBytes(32).toString('hex') },
      },
      actor,
    );
    await catalog.enableWorkerAgent(worker.workerAgentId, actor);
    workerAgentIds.push(worker.workerAgentId);
  }
  let created = 0;
  while (created < setup.executions) {
    const batch = Math.min(concurrency, setup.executions - created);
    await Promise.all(
      Array.from({ length: batch }, (_, i) =>
        catalog.createExecution(
          {
            folderName: 'Bench',
            projectName: 'Loads',
            packageName: 'load',
            parameters: { SourcePath: `/data/in-${created + i}.csv`, ApiToken: 'bench-token' },
            start: { retryCount: setup.retryCount ?? 0 },
          },
          actor,
        ),
      ),
    );
    created += batch;
    setup.progress?.(created);
  }
  // The lease sweep judges leases only after a sweep it witnessed (see expireLeases): witness one now.
  await catalog.expireLeases(benchSweepSchedule);
  return workerAgentIds;
}
