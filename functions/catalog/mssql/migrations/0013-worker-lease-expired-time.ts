import type { MssqlMigration } from '../migrate.js';

/** When the master last gave up on a worker's lease: the SQL Server side of the SQLite migration 0013 beside it. */
export const migration0013: MssqlMigration = {
  version: 13,
  name: 'worker-lease-expired-time',
  batches: [`ALTER TABLE dbo.worker_agents ADD lease_expired_time bigint NULL;`],
};
