import type { SqliteMigration } from '../migrate.js';

/**
 * claim_id: the id a worker gives each claim, kept on the tasks it leased. A worker whose claim answer was lost
 * (the connection dropped after the commit) sends the same id again and gets those tasks back instead of leaving
 * them to expire. The lookup uses ix_tasks_worker_state: a worker holds at most MaxTaskCount running tasks.
 */
export const migration0005: SqliteMigration = {
  version: 5,
  name: 'claim-ids',
  sql: `
ALTER TABLE tasks ADD COLUMN claim_id TEXT;
`,
};
