import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { audit } from './audit.js';
import { catalogPropertyRules, setProperty, type CatalogPropertyName } from './master-properties.js';

/** SSISDB `catalog.catalog_properties` and `configure_catalog`, by the rules beside MasterProperty. */
export function catalogPropertyOperations(ctx: CatalogContext): Pick<Catalog, 'listCatalogProperties' | 'configureCatalog'> {
  const list: Catalog['listCatalogProperties'] = async () => {
    const rows = await ctx.engine.read((db) =>
      db.selectFrom('master_properties').selectAll().where('property_name', 'in', Object.keys(catalogPropertyRules)).orderBy('property_name').execute(),
    );
    return rows.map((row) => ({
      propertyName: row.property_name,
      propertyValue: row.property_value,
      description: catalogPropertyRules[row.property_name as CatalogPropertyName].description,
    }));
  };

  return {
    listCatalogProperties: list,

    async configureCatalog(actor, propertyName, value) {
      if (!Object.hasOwn(catalogPropertyRules, propertyName)) throw new NotFoundError('catalog property', propertyName);
      const property = catalogPropertyRules[propertyName as CatalogPropertyName];
      const parsed = property.parse(value.trim());
      if (parsed === undefined) throw new ValidationError('value', `${propertyName} must be ${property.rule}, not '${value}'`);
      // Stored in its plain form ('030' as 30, 'FALSE' as false), which the readers parse by the same rule.
      const normalised = String(parsed);
      await ctx.engine.transaction(async (trx) => {
        await setProperty(trx, propertyName, normalised);
        await audit(ctx, trx, { actor, action: 'configure-catalog', targetType: 'catalog', targetId: propertyName, details: { value: normalised } });
      });
      return list();
    },
  };
}
