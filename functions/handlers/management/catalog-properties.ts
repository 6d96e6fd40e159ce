import { configureCatalog, listCatalogProperties } from '../../../contracts/management/endpoints.js';
import { defineHandler } from '../../http/define-handler.js';

export const listCatalogPropertiesFunction = defineHandler(listCatalogProperties, async (_input, services) => ({
  properties: await services.catalog.listCatalogProperties(),
}));

export const configureCatalogFunction = defineHandler(configureCatalog, async ({ caller, params, body }, services) => {
  const properties = await services.catalog.configureCatalog(caller.actor, params.propertyName, body.value);
  services.log.info('catalog property set', { property: params.propertyName, value: body.value.trim(), by: caller.actor });
  return { properties };
});
