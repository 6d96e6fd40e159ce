import type { SqliteMigration } from '../migrate.js';

/**
 * Fair order: every attempt of an execution carries the time its execution was queued (its first attempt's
 * creation), and the claim takes pending tasks in that order, so a retry keeps its execution's place instead of
 * going behind work created after it. `ix_tasks_pending` becomes (queued_time, task_id), the claim's order.
 * SQLite adds a NOT NULL column only with a default; every insert gives the value, the default is never used.
 */
export const migration0003: SqliteMigration = {
  version: 3,
  name: 'fair-order',
  sql: `
ALTER TABLE tasks ADD COLUMN queued_time INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET queued_time = (SELECT min(f.created_time) FROM tasks f WHERE f.execution_id = tasks.execution_id);
DROP INDEX ix_tasks_pending;
CREATE INDEX ix_tasks_pending ON tasks (queued_time, task_id) WHERE state = 'pending';
`,
};
