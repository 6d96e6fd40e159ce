import type { MssqlMigration } from '../migrate.js';

/** A removed worker's display name on its attempts: the SQL Server side of the SQLite migration 0012 beside it. */
export const migration0012: MssqlMigration = {
  version: 12,
  name: 'removed-worker-names',
  batches: [`ALTER TABLE dbo.tasks ADD worker_display_name nvarchar(256) NULL;`],
};
