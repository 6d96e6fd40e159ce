import type { MssqlMigration } from '../migrate.js';

/** Enrollment tokens: the SQL Server side of the SQLite migration 0008 beside it. */
export const migration0008: MssqlMigration = {
  version: 8,
  name: 'enrollment-tokens',
  batches: [
    `CREATE TABLE dbo.enrollment_tokens (
  token_id nvarchar(32) NOT NULL CONSTRAINT pk_enrollment_tokens PRIMARY KEY,
  token_hash nvarchar(64) NOT NULL,
  created_by nvarchar(256) NOT NULL,
  created_time bigint NOT NULL,
  expires_time bigint NOT NULL,
  max_uses int NOT NULL CONSTRAINT ck_enrollment_tokens_max_uses CHECK (max_uses >= 1),
  use_count int NOT NULL CONSTRAINT df_enrollment_tokens_use_count DEFAULT 0,
  tags nvarchar(max) NOT NULL,
  max_task_count int NULL,
  enable_worker bit NOT NULL,
  last_used_time bigint NULL,
  revoked_time bigint NULL
);`,
  ],
};
