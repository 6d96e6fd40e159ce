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

/**
 * SSISDB `catalog.catalog_properties`: the master properties an administrator sets with `configure_catalog`, each
 * with the rule its value follows. The others (IS_SCALEOUT_ENABLED, LAST_ONLINE_TIME, …) are the master's own state
 * and change through their own operations. The setter stores a value in its parsed form and the readers parse what
 * is stored by the same rule, so a value written by hand that the setter would refuse stops its reader, named,
 * instead of being used.
 */
export const catalogPropertyRules = {
  [MasterProperty.retentionWindow]: {
    description: 'days a finished execution is kept before the cleanup removes it',
    rule: 'a whole number of days, at least 1',
    parse: wholeNumberAtLeastOne,
  },
  [MasterProperty.operationCleanupEnabled]: {
    description: 'false keeps finished executions for ever',
    rule: 'true or false',
    parse: (value) => (/^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : undefined),
  },
  [MasterProperty.maxProjectVersions]: {
    description: 'versions kept per project: its current one and the newest others',
    rule: 'a whole number of versions, at least 1',
    parse: wholeNumberAtLeastOne,
  },
} satisfies Record<string, { description: string; rule: string; parse(value: string): unknown }>;

export type CatalogPropertyName = keyof typeof catalogPropertyRules;
type CatalogPropertyValue<N extends CatalogPropertyName> = Exclude<ReturnType<(typeof catalogPropertyRules)[N]['parse']>, undefined>;

function wholeNumberAtLeastOne(value: string): number | undefined {
  return /^\d{1,9}$/.test(value) && Number(value) >= 1 ? Number(value) : undefined;
}

/** A catalog property as stored, read by its rule: a value the rule refuses throws, naming the property and the rule. */
export function readCatalogProperty<N extends CatalogPropertyName>(name: N, stored: string | null | undefined): CatalogPropertyValue<N> {
  const value = stored == null ? undefined : (catalogPropertyRules[name].parse(stored) as CatalogPropertyValue<N> | undefined);
  if (value === undefined) throw new Error(`master property ${name} must be ${catalogPropertyRules[name].rule}, not '${stored}'`);
  return value;
}

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
      return {
        retentionWindowDays: readCatalogProperty(MasterProperty.retentionWindow, properties.get(MasterProperty.retentionWindow)),
        cleanupEnabled: readCatalogProperty(MasterProperty.operationCleanupEnabled, properties.get(MasterProperty.operationCleanupEnabled)),
      };
    },
  };
}
