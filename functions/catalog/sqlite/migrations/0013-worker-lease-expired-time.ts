import type { SqliteMigration } from '../migrate.js';

/**
 * lease_expired_time: when the master last gave up on the worker, a lease of it having run out for silence. Until
 * the worker is heard from again it is shown offline, however recent its last online time: the master has
 * already concluded it is gone and re-queued its tasks.
 */
export const migration0013: SqliteMigration = {
  version: 13,
  name: 'worker-lease-expired-time',
  sql: `
ALTER TABLE worker_agents ADD COLUMN lease_expired_time INTEGER;
`,
};
