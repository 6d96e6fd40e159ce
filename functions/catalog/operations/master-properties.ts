import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { CatalogTrx } from '../engine.js';
import { hotQuery } from '../hot-query.js';
import { audit } from './audit.js';

/** SSISDB `catalog.master_properties` names. */
export const MasterProperty = {
  isScaleOutEnabled: 'IS_SCALEOUT_ENABLED',
  masterAddress: 'MASTER_ADDRESS',
  lastOnlineTime: 'LAST_ONLINE_TIME',
  version: 'VERSION',
  retentionWindow: 'RETENTION_WINDOW',
  operationCleanupEnabled: 'OPERATION_CLEANUP_ENABLED',
  lastLeaseSweepTime: 'LAST_LEASE_SWEEP_TIME',
  /** How many versions of each project the cleanup keeps (SSISDB's default 10). */
  maxProjectVersions: 'MAX_PROJECT_VERSIONS',
} as const;

export async function setProperty(trx: CatalogTrx, name: string, value: string | null): Promise<void> {
  await trx.updateTable('master_properties').set({ property_value: value }).where('property_name', '=', name).execute();
}

/** Read for every started execution's waiting reason (see hot-query.ts). */
const selectAllProperties = hotQuery((db) => db.selectFrom('master_properties').selectAll());

export function masterPropertyOperations(
  ctx: CatalogContext,
): Pick<Catalog, 'getMasterProperties' | 'enableScaleOut' | 'recordMasterHeartbeat' | 'getCleanupSettings'> {
  const readAll = async (): Promise<Map<string, string | null>> => {
    const { rows } = await ctx.engine.read((db) => selectAllProperties(db, {}));
    return new Map(rows.map((row) => [row.property_name, row.property_value]));
  };

  return {
    async getMasterProperties() {
      const properties = await readAll();
      // The master writes no heartbeat of its own (it would keep a serverless database awake): it was last seen
      // doing its rounds, the safety sweep (which writes LAST_ONLINE_TIME) or a lease check while tasks run.
      const seen = [MasterProperty.lastOnlineTime, MasterProperty.lastLeaseSweepTime]
        .map((name) => Number(properties.get(name) ?? ''))
        .filter((time) => Number.isFinite(time) && time > 0);
      return {
        isScaleOutEnabled: properties.get(MasterProperty.isScaleOutEnabled) === 'true',
        masterAddress: properties.get(MasterProperty.masterAddress) ?? null,
        lastOnlineTime: seen.length > 0 ? Math.max(...seen) : null,
        version: properties.get(MasterProperty.version) ?? null,
      };
    },

    async enableScaleOut(actor) {
      await ctx.engine.transaction(async (trx) => {
        await setProperty(trx, MasterProperty.isScaleOutEnabled, 'true');
        await audit(ctx, trx, { actor, action: 'enable-scaleout', targetType: 'master', targetId: 'master' });
      });
    },

    async recordMasterHeartbeat({ masterAddress, version }) {
      await ctx.engine.transaction(async (trx) => {
        await setProperty(trx, MasterProperty.lastOnlineTime, String(ctx.clock.now()));
        await setProperty(trx, MasterProperty.masterAddress, masterAddress);
        await setProperty(trx, MasterProperty.version, version);
      });
    },

    async getCleanupSettings() {
      const properties = await readAll();
      const raw = properties.get(MasterProperty.retentionWindow);
      const days = Number(raw);
      if (!Number.isFinite(days) || days <= 0) {
        throw new Error(`master property ${MasterProperty.retentionWindow} must be a positive number of days, not '${raw}'`);
      }
      return {
        retentionWindowDays: days,
        cleanupEnabled: properties.get(MasterProperty.operationCleanupEnabled) !== 'false',
      };
    },
  };
}
