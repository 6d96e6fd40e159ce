import type { Catalog } from '../functions/catalog/catalog.js';
import { createCatalog } from '../functions/catalog/create-catalog.js';
import { ExecutionStatus } from '../functions/catalog/domain.js';
import { SqliteEngine } from '../functions/catalog/sqlite/engine.js';
import { AesGcmValueCipher } from '../functions/catalog/value-cipher.js';
import { runSimulatedWorker, type WorkerBehaviour, type WorkerReport } from './simulated-worker.js';

/** Several simulated workers served by one master process over one SQLite catalog file. */
export interface WorkerGroupConfig {
  filename: string;
  synchronous: 'FULL' | 'NORMAL';
  /** The catalog's data key, hex (sensitive parameter values are decrypted for the worker holding the lease). */
  dataKeyHex: string;
  /** Long enough that no healthy task expires during a run. */
  leaseMs: number;
  workers: { workerAgentId: string; maxTaskCount: number; seed: number }[];
  behaviour: WorkerBehaviour;
}

type CatalogStore = Pick<WorkerGroupConfig, 'filename' | 'synchronous' | 'dataKeyHex'>;

/** The SQLite catalog a bench process opens, migrated first as a master does when it starts. */
export async function openCatalog(store: CatalogStore, leaseMs: number): Promise<Catalog> {
  return catalogOver(await openEngine(store), store, leaseMs);
}

async function openEngine(store: CatalogStore): Promise<SqliteEngine> {
  const engine = new SqliteEngine({ filename: store.filename, synchronous: store.synchronous });
  await engine.migrate();
  return engine;
}

function catalogOver(engine: SqliteEngine, store: CatalogStore, leaseMs: number): Catalog {
  return createCatalog({ engine, cipher: new AesGcmValueCipher(Buffer.from(store.dataKeyHex, 'hex')), leaseMs });
}

/** Statuses of an execution that a worker may still pick up or is still running. */
const unfinished = [ExecutionStatus.created, ExecutionStatus.pending, ExecutionStatus.running, ExecutionStatus.stopping];

/** Runs the group's workers side by side until every execution in the catalog has ended. */
export async function runWorkerGroup(config: WorkerGroupConfig): Promise<WorkerReport[]> {
  // One engine for both: a second SQLite connection in this process, waiting for the first one's write lock,
  // would block the thread that must release it.
  const engine = await openEngine(config);
  const catalog = catalogOver(engine, config, config.leaseMs);
  const expiringCatalog = config.behaviour.loseLeaseChance > 0 ? catalogOver(engine, config, 1) : undefined;
  const finished = async () => {
    const counts = await catalog.countExecutionsByStatus(0);
    return unfinished.every((status) => !counts[status]);
  };
  try {
    return await Promise.all(
      config.workers.map((worker) =>
        runSimulatedWorker({
          catalog,
          expiringCatalog,
          workerAgentId: worker.workerAgentId,
          maxTaskCount: worker.maxTaskCount,
          behaviour: config.behaviour,
          random: seededRandom(worker.seed),
          finished,
        }),
      ),
    );
  } finally {
    await catalog.close();
  }
}

/** mulberry32: a small seeded generator, so a run's choices can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
