import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { audit } from './audit.js';
import { MasterProperty, setProperty } from './master-properties.js';

/**
 * SSISDB `catalog.catalog_properties` an administrator sets with `configure_catalog`: the rows of
 * master_properties that are settings, each with the rule its value must follow. The others (IS_SCALEOUT_ENABLED,
 * LAST_ONLINE_TIME, …) are the master's own state and change through their own operations.
 */
const configurable: Record<string, { description: string; normalise(value: string): string | undefined; rule: string }> = {
  [MasterProperty.retentionWindow]: {
    description: 'days a finished execution is kept before the cleanup removes it',
    rule: 'a whole number of days, at least 1',
    normalise: (value) => wholeNumberAtLeastOne(value),
  },
  [MasterProperty.operationCleanupEnabled]: {
    description: 'false keeps finished executions for ever',
    rule: 'true or false',
    normalise: (value) => (/^(true|false)$/i.test(value) ? value.toLowerCase() : undefined),
  },
  [MasterProperty.maxProjectVersions]: {
    description: "versions kept per project: its current one and the newest others",
    rule: 'a whole number of versions, at least 1',
    normalise: (value) => wholeNumberAtLeastOne(value),
  },
};

function wholeNumberAtLeastOne(value: string): string | undefined {
  return /^\d{1,9}$/.test(value) && Number(value) >= 1 ? String(Number(value)) : undefined;
}

export function catalogPropertyOperations(ctx: CatalogContext): Pick<Catalog, 'listCatalogProperties' | 'configureCatalog'> {
  const list: Catalog['listCatalogProperties'] = async () => {
    const rows = await ctx.engine.read((db) =>
      db.selectFrom('master_properties').selectAll().where('property_name', 'in', Object.keys(configurable)).orderBy('property_name').execute(),
    );
    return rows.map((row) => ({
      propertyName: row.property_name,
      propertyValue: row.property_value,
      description: configurable[row.property_name]?.description ?? '',
    }));
  };

  return {
    listCatalogProperties: list,

    async configureCatalog(actor, propertyName, value) {
      const property = configurable[propertyName];
      if (!property) throw new NotFoundError('catalog property', propertyName);
      const normalised = property.normalise(value.trim());
      if (normalised === undefined) throw new ValidationError('value', `${propertyName} must be ${property.rule}, not '${value}'`);
      await ctx.engine.transaction(async (trx) => {
        await setProperty(trx, propertyName, normalised);
        await audit(ctx, trx, { actor, action: 'configure-catalog', targetType: 'catalog', targetId: propertyName, details: { value: normalised } });
      });
      return list();
    },
  };
}
