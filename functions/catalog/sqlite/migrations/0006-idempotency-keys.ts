import type { SqliteMigration } from '../migrate.js';

/**
 * idempotency_keys: the Idempotency-Key of each management write that creates something, per caller and operation,
 * written in the same transaction as the write it guards. A request retried with the same key (its first answer
 * was lost) finds what the first one did and gets that answer again instead of doing it twice. Kept 24 hours.
 */
export const migration0006: SqliteMigration = {
  version: 6,
  name: 'idempotency-keys',
  sql: `
CREATE TABLE idempotency_keys (
  actor TEXT NOT NULL,
  operation TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  response_body TEXT,
  created_time INTEGER NOT NULL,
  PRIMARY KEY (actor, operation, idempotency_key)
);
CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_time);
`,
};
