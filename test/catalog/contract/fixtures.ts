import { createHash, randomBytes } from 'node:crypto';
import type { Catalog, IdempotencyGuard, PackageDeclaration, ReleasedTask } from '../../../functions/catalog/catalog.js';
import type { ClaimedTask, WorkerAgent } from '../../../functions/catalog/domain.js';
import type { CatalogHarness } from '../../support/catalog-harness.js';

export type Scenario = (h: CatalogHarness) => Promise<void>;

export const admin = 'apikey:admin0001';

/** A realistic project: an extract with a sensitive token, and a load. */
export const etlPackages: PackageDeclaration[] = [
  {
    name: 'extract',
    description: 'Reads the source CSV',
    runner: 'node',
    entry: 'extract.mjs',
    parameters: [
      { name: 'SourcePath', dataType: 'String', required: true, sensitive: false },
      { name: 'BatchSize', dataType: 'Int32', required: false, sensitive: false, defaultValue: 100 },
      { name: 'ApiToken', dataType: 'String', required: false, sensitive: true },
      { name: 'DryRun', dataType: 'Boolean', required: false, sensitive: false, defaultValue: false },
    ],
    timeoutMs: 60_000,
  },
  { name: 'load', runner: 'process', entry: 'load.sh', arguments: ['--target', 'warehouse'] },
];

export async function deployEtl(catalog: Catalog, archive: Buffer = Buffer.from('PK-fake-archive'), guard?: IdempotencyGuard) {
  return catalog.deployProject(
    {
      folderName: 'Finance',
      projectName: 'ETL',
      ...storedArchive('Finance/ETL', archive),
      manifest: { name: 'ETL', packages: etlPackages },
      packages: etlPackages,
    },
    admin,
    guard,
  );
}

/** What the master records of an archive it stored: the blob name (here made up), its SHA-256 and size. */
export function storedArchive(prefix: string, archive: Buffer): { archiveName: string; archiveSha256: string; archiveSize: number } {
  const archiveSha256 = createHash('sha256').update(archive).digest('hex');
  return { archiveName: `${prefix}/${archiveSha256}.zip`, archiveSha256, archiveSize: archive.length };
}

export function thumbprints(): { thumbprintSha1: string; thumbprintSha256: string } {
  return { thumbprintSha1: randomBytes(20).toString('hex'), thumbprintSha256: randomBytes(32).toString('hex') };
}

/** Adds a worker and enables it. */
export async function readyWorker(
  catalog: Catalog,
  machineName: string,
  options: { maxTaskCount?: number; tags?: string[] } = {},
): Promise<WorkerAgent> {
  const worker = await catalog.addWorkerAgent({ machineName, certificate: thumbprints(), ...options }, admin);
  return catalog.enableWorkerAgent(worker.workerAgentId, admin);
}

/** Scale Out enabled, the ETL project deployed, one enabled worker. */
export async function readyTopology(h: CatalogHarness, workerOptions: { maxTaskCount?: number; tags?: string[] } = {}) {
  await h.catalog.enableScaleOut(admin);
  const project = await deployEtl(h.catalog);
  const worker = await readyWorker(h.catalog, 'node-a', workerOptions);
  return { project, worker };
}

export async function startExtract(
  catalog: Catalog,
  options: { retryCount?: number; allowedWorkerIds?: string[]; requiredTags?: string[] } = {},
) {
  return catalog.createExecution(
    {
      folderName: 'Finance',
      projectName: 'ETL',
      packageName: 'extract',
      parameters: { SourcePath: '/data/in.csv', ApiToken: 's3cr3t-token' },
      allowedWorkerIds: options.allowedWorkerIds,
      requiredTags: options.requiredTags,
      start: { retryCount: options.retryCount ?? 0 },
    },
    admin,
  );
}

/** A lease sweep every 5 s, as a running master's lease alarm sweeps while tasks run. */
export const sweepEvery5s = { sweepIntervalMs: 5000 };

/**
 * Lets time pass the way a running master sees it: the lease sweep runs every 5 s.
 * Returns every attempt the sweeps released.
 */
export async function passTime(h: CatalogHarness, ms: number): Promise<ReleasedTask[]> {
  const released: ReleasedTask[] = [];
  await h.catalog.expireLeases(sweepEvery5s);
  for (let left = ms; left > 0; left -= 5000) {
    h.clock.advance(Math.min(5000, left));
    released.push(...(await h.catalog.expireLeases(sweepEvery5s)).released);
  }
  return released;
}

export async function claimOne(catalog: Catalog, workerAgentId: string): Promise<ClaimedTask> {
  const [task, ...more] = await catalog.claimTasks(workerAgentId, 1);
  if (!task || more.length > 0) throw new Error(`expected exactly one claimed task, got ${more.length + (task ? 1 : 0)}`);
  return task;
}
