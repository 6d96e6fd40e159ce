import type { SqliteMigration } from '../migrate.js';

/**
 * worker_display_name: a removed worker's display name, written on its attempts when it is removed, so that the
 * history of what it ran still names it. While the worker exists its attempts read the name from worker_agents,
 * so a rename shows everywhere at once.
 */
export const migration0012: SqliteMigration = {
  version: 12,
  name: 'removed-worker-names',
  sql: `
ALTER TABLE tasks ADD COLUMN worker_display_name TEXT;
`,
};
