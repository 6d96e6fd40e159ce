import { expect } from 'vitest';
import { ValidationError } from '../../../functions/catalog/errors.js';
import type { CatalogHarness } from '../../support/catalog-harness.js';
import { admin, deployEtl, type Scenario } from './fixtures.js';

/** Writes a catalog property as a hand-written UPDATE would, past configure_catalog's rule. */
async function writeByHand(h: CatalogHarness, propertyName: string, value: string): Promise<void> {
  await h.engine.db.updateTable('master_properties').set({ property_value: value }).where('property_name', '=', propertyName).execute();
}

/** Each setting, the reader that uses it, and values its rule refuses that a lax reader would have taken. */
const readers: { propertyName: string; rule: string; refused: string[]; read(h: CatalogHarness): Promise<unknown> }[] = [
  {
    propertyName: 'RETENTION_WINDOW',
    rule: 'a whole number of days, at least 1',
    refused: ['0', '1.5', '1e3', 'ten'],
    read: (h) => h.catalog.getCleanupSettings(),
  },
  {
    propertyName: 'OPERATION_CLEANUP_ENABLED',
    rule: 'true or false',
    refused: ['no', 'sometimes', ''],
    read: (h) => h.catalog.getCleanupSettings(),
  },
  {
    propertyName: 'MAX_PROJECT_VERSIONS',
    rule: 'a whole number of versions, at least 1',
    refused: ['0', '2.5', '1e3', 'ten'],
    read: (h) => h.catalog.removeOldProjectVersions(admin),
  },
];

export const catalogPropertyScenarios: Record<string, Scenario> = {
  'a value configure_catalog refuses, written by hand instead, stops its reader naming the rule, and is not used': async (h) => {
    await deployEtl(h.catalog, Buffer.from('one'));
    await deployEtl(h.catalog, Buffer.from('two'));
    for (const { propertyName, rule, refused, read } of readers) {
      for (const value of refused) {
        await expect(h.catalog.configureCatalog(admin, propertyName, value), `${propertyName} '${value}'`).rejects.toMatchObject({
          constructor: ValidationError,
          errors: [{ field: 'value', reason: `${propertyName} must be ${rule}, not '${value}'` }],
        });
        await writeByHand(h, propertyName, value);
        await expect(read(h), `${propertyName} '${value}'`).rejects.toThrow(`master property ${propertyName} must be ${rule}, not '${value}'`);
      }
      // A value the setter takes reads back in its plain form.
      await h.catalog.configureCatalog(admin, propertyName, propertyName === 'OPERATION_CLEANUP_ENABLED' ? 'FALSE' : '03');
    }
    expect(await h.catalog.getCleanupSettings()).toEqual({ retentionWindowDays: 3, cleanupEnabled: false });
    // Nothing was removed while MAX_PROJECT_VERSIONS was unreadable; 3 keeps both versions.
    expect(await h.catalog.removeOldProjectVersions(admin)).toEqual([]);
    expect((await h.catalog.listProjectVersions('Finance', 'ETL')).map((v) => v.versionNumber)).toEqual([2, 1]);
  },
};
