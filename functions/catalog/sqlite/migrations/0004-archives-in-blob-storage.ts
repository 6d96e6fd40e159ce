import type { SqliteMigration } from '../migrate.js';

/**
 * Project archives move to Blob Storage: archive_name is the blob. Versions deployed before keep their bytes in
 * `archive` (archive_name NULL) until the master moves them at start (functions/projects/move-archives-to-store.ts),
 * which then empties `archive`.
 */
export const migration0004: SqliteMigration = {
  version: 4,
  name: 'archives-in-blob-storage',
  sql: `
ALTER TABLE project_versions ADD COLUMN archive_name TEXT;
`,
};
