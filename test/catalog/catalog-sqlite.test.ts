import { describe, it } from 'vitest';
import { sqliteHarness } from '../support/catalog-harness.js';
import { catalogContract } from './contract/index.js';

describe.each(Object.entries(catalogContract))('catalog contract on SQLite: %s', (_group, scenarios) => {
  it.each(Object.entries(scenarios))('%s', async (_name, scenario) => {
    const h = await sqliteHarness();
    try {
      await scenario(h);
    } finally {
      await h.dispose();
    }
  });
});
