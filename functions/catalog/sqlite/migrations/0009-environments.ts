import type { SqliteMigration } from '../migrate.js';

/**
 * SSISDB environments: named sets of typed variables in a folder (`environments`, `environment_variables`), a
 * project's references to them, relative (an environment of the project's own folder, `environment_folder_name`
 * NULL) or absolute (`A`, another folder's), and the parameter values configured on the deployed project
 * (`object_parameters`): a literal (`V`) or the name of an environment variable (`R`), resolved when an execution
 * names a reference. References and configuration hang on the project, not on a version, so a new deployment keeps
 * them. A sensitive variable's or literal's value is stored only encrypted, in `sensitive_value`, as execution
 * parameter values are. A schedule may name the reference its executions use.
 */
export const migration0009: SqliteMigration = {
  version: 9,
  name: 'environments',
  sql: `
CREATE TABLE environments (
  environment_id INTEGER PRIMARY KEY AUTOINCREMENT,
  folder_id INTEGER NOT NULL REFERENCES folders (folder_id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_environments_folder_name ON environments (folder_id, name);
CREATE TABLE environment_variables (
  variable_id INTEGER PRIMARY KEY AUTOINCREMENT,
  environment_id INTEGER NOT NULL REFERENCES environments (environment_id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  data_type TEXT NOT NULL,
  sensitive INTEGER NOT NULL CHECK (sensitive IN (0, 1)),
  value TEXT,
  sensitive_value TEXT
);
CREATE UNIQUE INDEX ux_environment_variables_name ON environment_variables (environment_id, name);
CREATE TABLE environment_references (
  reference_id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects (project_id),
  reference_type TEXT NOT NULL CHECK (reference_type IN ('R', 'A')),
  environment_folder_name TEXT,
  environment_name TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL
);
CREATE INDEX ix_environment_references_project ON environment_references (project_id);
CREATE TABLE object_parameters (
  project_id INTEGER NOT NULL REFERENCES projects (project_id),
  object_type INTEGER NOT NULL,
  object_name TEXT NOT NULL,
  parameter_name TEXT NOT NULL,
  value_type TEXT NOT NULL CHECK (value_type IN ('V', 'R')),
  value TEXT,
  sensitive_value TEXT,
  referenced_variable_name TEXT,
  PRIMARY KEY (project_id, object_type, object_name, parameter_name)
);
ALTER TABLE schedules ADD COLUMN reference_id INTEGER;
`,
};
