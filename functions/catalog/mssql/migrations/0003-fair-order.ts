import type { MssqlMigration } from '../migrate.js';

/**
 * Fair order: the SQL Server side of the SQLite migration 0003 beside it. Each attempt carries its execution's
 * queue time (the first attempt's creation); the claim's READPAST scan reads `ix_tasks_pending` in that order.
 * The column is added with a default (a NOT NULL column needs one on a table with rows) and then filled; every
 * insert gives the value.
 */
export const migration0003: MssqlMigration = {
  version: 3,
  name: 'fair-order',
  batches: [
    `ALTER TABLE dbo.tasks ADD queued_time bigint NOT NULL CONSTRAINT df_tasks_queued_time DEFAULT 0;`,
    `UPDATE dbo.tasks SET queued_time = (SELECT MIN(f.created_time) FROM dbo.tasks f WHERE f.execution_id = dbo.tasks.execution_id);`,
    `DROP INDEX ix_tasks_pending ON dbo.tasks;`,
    `CREATE INDEX ix_tasks_pending ON dbo.tasks (queued_time, task_id) INCLUDE (execution_id, attempt_number) WHERE state = N'pending';`,
  ],
};
