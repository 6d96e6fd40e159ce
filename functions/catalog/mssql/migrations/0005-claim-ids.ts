import type { MssqlMigration } from '../migrate.js';

/** The worker's claim id on the tasks it leased: the SQL Server side of the SQLite migration 0005 beside it. */
export const migration0005: MssqlMigration = {
  version: 5,
  name: 'claim-ids',
  batches: [`ALTER TABLE dbo.tasks ADD claim_id nvarchar(64) NULL;`],
};
