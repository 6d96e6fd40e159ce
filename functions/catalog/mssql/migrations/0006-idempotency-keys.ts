import type { MssqlMigration } from '../migrate.js';

/**
 * The Idempotency-Key records: the SQL Server side of the SQLite migration 0006 beside it. The key columns stay
 * under SQL Server's 900-byte index key limit (256 + 64 + 128 characters of 2 bytes).
 */
export const migration0006: MssqlMigration = {
  version: 6,
  name: 'idempotency-keys',
  batches: [
    `CREATE TABLE dbo.idempotency_keys (
  actor nvarchar(256) NOT NULL,
  operation nvarchar(64) NOT NULL,
  idempotency_key nvarchar(128) NOT NULL,
  request_hash nvarchar(64) NOT NULL,
  result nvarchar(max) NOT NULL,
  response_body nvarchar(max) NULL,
  created_time bigint NOT NULL,
  CONSTRAINT pk_idempotency_keys PRIMARY KEY (actor, operation, idempotency_key)
);`,
    `CREATE INDEX ix_idempotency_keys_created ON dbo.idempotency_keys (created_time);`,
  ],
};
