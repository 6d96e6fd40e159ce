import type { MssqlMigration } from '../migrate.js';

/** Project archives move to Blob Storage: the SQL Server side of the SQLite migration 0004 beside it. */
export const migration0004: MssqlMigration = {
  version: 4,
  name: 'archives-in-blob-storage',
  batches: [`ALTER TABLE dbo.project_versions ADD archive_name nvarchar(1024) NULL;`],
};
