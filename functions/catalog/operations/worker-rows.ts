import type { Selectable } from 'kysely';
import type { ScaleOutState } from '../catalog.js';
import type { WorkerAgent, WorkerAvailability } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { hotQuery } from '../hot-query.js';
import { flag, num, numOrNull } from '../rows.js';
import type { WorkerAgentsTable } from '../schema.js';
import { MasterProperty } from './master-properties.js';

/** Workers as rows and as the domain's WorkerAgent, and the Scale Out state a waiting reason reads. */

/** The columns of a worker's row a waiting reason reads, with its counts (workerRows). */
export type AvailabilityRow = Pick<
  Selectable<WorkerAgentsTable>,
  'worker_agent_id' | 'display_name' | 'is_enabled' | 'last_online_time' | 'lease_expired_time' | 'max_task_count'
> & { running_task_count: number | string | null; tag_count: number | string | null };

export type WorkerRow = Selectable<WorkerAgentsTable> & AvailabilityRow;

function toAvailability(row: AvailabilityRow, tags: string[]): WorkerAvailability {
  return {
    workerAgentId: row.worker_agent_id,
    displayName: row.display_name,
    tags,
    isEnabled: flag(row.is_enabled),
    maxTaskCount: row.max_task_count,
    lastOnlineTime: numOrNull(row.last_online_time),
    leaseExpiredTime: numOrNull(row.lease_expired_time),
    runningTaskCount: num(row.running_task_count ?? 0),
  };
}

function toWorkerAgent(row: WorkerRow, tags: string[]): WorkerAgent {
  return {
    ...toAvailability(row, tags),
    machineName: row.machine_name,
    description: row.description,
    certThumbprintSha1: row.cert_thumbprint_sha1,
    certThumbprintSha256: row.cert_thumbprint_sha256,
    certPem: row.cert_pem,
    certNotAfter: numOrNull(row.cert_not_after),
    agentVersion: row.agent_version,
    os: row.os,
    userAccount: row.user_account,
    createdTime: num(row.created_time),
  };
}

/** Workers with their running task count, and how many tags they have (so that untagged ones cost no tag query). */
function workerRows(db: CatalogDb | CatalogTrx) {
  return db.selectFrom('worker_agents as w').select((eb) => [
    eb
      .selectFrom('tasks as t')
      .select((inner) => inner.fn.countAll<number>().as('n'))
      .whereRef('t.worker_agent_id', '=', 'w.worker_agent_id')
      .where('t.state', '=', 'running')
      .as('running_task_count'),
    eb
      .selectFrom('worker_agent_tags as wt')
      .select((inner) => inner.fn.countAll<number>().as('n'))
      .whereRef('wt.worker_agent_id', '=', 'w.worker_agent_id')
      .as('tag_count'),
  ]);
}

/** Workers' whole rows (WorkerRow). */
export function selectWorkers(db: CatalogDb | CatalogTrx) {
  return workerRows(db).selectAll('w');
}

/**
 * Workers' rows as a waiting reason reads them (AvailabilityRow): every value read is converted, so a start's
 * statement reads no certificate or description it would throw away.
 */
export function selectWorkerAvailability(db: CatalogDb | CatalogTrx) {
  return workerRows(db).select(['w.worker_agent_id', 'w.display_name', 'w.is_enabled', 'w.last_online_time', 'w.lease_expired_time', 'w.max_task_count']);
}

/** Read for every started execution's waiting reason (see hot-query.ts): each worker's row carries the flag. */
const selectWorkersWithScaleOutFlag = hotQuery((db) =>
  selectWorkerAvailability(db)
    .select(scaleOutFlag(db).as('is_scale_out_enabled'))
    .orderBy('w.display_name'),
);

/** IS_SCALEOUT_ENABLED's value: 'true' or 'false'. */
export function scaleOutFlag(db: CatalogDb | CatalogTrx) {
  return db.selectFrom('master_properties').select('property_value').where('property_name', '=', MasterProperty.isScaleOutEnabled);
}

/** IS_SCALEOUT_ENABLED and the workers, in one statement while any worker is registered. */
export async function readScaleOutState(db: CatalogDb | CatalogTrx): Promise<ScaleOutState> {
  const { rows } = await selectWorkersWithScaleOutFlag(db, {});
  // With no worker registered, no row carries the flag.
  const enabled = rows.length > 0 ? rows[0]!.is_scale_out_enabled : (await scaleOutFlag(db).executeTakeFirst())?.property_value;
  return scaleOutStateOf(db, enabled, rows);
}

/** The Scale Out state from the flag's value and the workers' rows (selectWorkerAvailability) a statement read. */
export async function scaleOutStateOf(db: CatalogDb | CatalogTrx, flag: string | null | undefined, rows: AvailabilityRow[]): Promise<ScaleOutState> {
  const tags = await tagsOf(db, rows);
  return { isScaleOutEnabled: flag === 'true', workers: rows.map((row) => toAvailability(row, tags.get(row.worker_agent_id) ?? [])) };
}

export async function withTags(db: CatalogDb | CatalogTrx, rows: WorkerRow[]): Promise<WorkerAgent[]> {
  const tags = await tagsOf(db, rows);
  return rows.map((row) => toWorkerAgent(row, tags.get(row.worker_agent_id) ?? []));
}

/** The tags of the workers that have any, in one statement (none when no worker has a tag). */
async function tagsOf(db: CatalogDb | CatalogTrx, rows: AvailabilityRow[]): Promise<Map<string, string[]>> {
  const tagged = rows.filter((row) => num(row.tag_count ?? 0) > 0).map((row) => row.worker_agent_id);
  const byWorker = new Map<string, string[]>();
  if (tagged.length === 0) return byWorker;
  const tagRows = await db
    .selectFrom('worker_agent_tags')
    .select(['worker_agent_id', 'tag'])
    .where('worker_agent_id', 'in', tagged)
    .orderBy('tag')
    .execute();
  for (const { worker_agent_id, tag } of tagRows) {
    byWorker.set(worker_agent_id, [...(byWorker.get(worker_agent_id) ?? []), tag]);
  }
  return byWorker;
}
