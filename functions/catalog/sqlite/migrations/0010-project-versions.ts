import type { SqliteMigration } from '../migrate.js';

/**
 * Project versions (SSISDB catalog.object_versions, restore_project, MAX_PROJECT_VERSIONS): a project's current
 * version is the one it runs, which restore_project may set back to an earlier one; the cleanup keeps at most
 * MAX_PROJECT_VERSIONS of them. A removed version keeps its row (with `removed_time`) while executions refer to
 * it, so their history stays whole; only its archive goes.
 */
export const migration0010: SqliteMigration = {
  version: 10,
  name: 'project-versions',
  sql: `
ALTER TABLE projects ADD COLUMN current_version_number INTEGER NOT NULL DEFAULT 0;
UPDATE projects SET current_version_number =
  (SELECT MAX(v.version_number) FROM project_versions v WHERE v.project_id = projects.project_id);
ALTER TABLE project_versions ADD COLUMN restored_by TEXT;
ALTER TABLE project_versions ADD COLUMN last_restored_time INTEGER;
ALTER TABLE project_versions ADD COLUMN removed_time INTEGER;
INSERT INTO master_properties (property_name, property_value) VALUES ('MAX_PROJECT_VERSIONS', '10');
`,
};
