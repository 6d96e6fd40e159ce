import { describe, it } from 'vitest';
import { mssqlConnectionString, mssqlHarness } from '../support/catalog-harness.js';
import { catalogContract } from './contract/index.js';

/**
 * The same contract on SQL Server / Azure SQL. Runs when SCALEOUT_TEST_MSSQL holds a connection string to a
 * database dedicated to these tests; otherwise every test is reported skipped, never passed.
 */
describe.skipIf(!mssqlConnectionString).each(Object.entries(catalogContract))(
  'catalog contract on SQL Server: %s',
  (_group, scenarios) => {
    it.each(Object.entries(scenarios))('%s', async (_name, scenario) => {
      const h = await mssqlHarness();
      try {
        await scenario(h);
      } finally {
        await h.dispose();
      }
    });
  },
);
