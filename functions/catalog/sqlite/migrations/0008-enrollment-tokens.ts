import type { SqliteMigration } from '../migrate.js';

/**
 * Enrollment tokens: what `scaleout-worker join` presents once to register a worker without an administrator
 * copying its certificate (GitHub runner registration tokens, kubeadm bootstrap tokens). Only the secret's
 * SHA-256 is kept, as for API keys. The worker it registers gets the token's tags (a JSON array), MaxTaskCount
 * and enabled flag. `use_count < max_uses` is checked and counted in one UPDATE, so two joins racing for the
 * last use cannot both win.
 */
export const migration0008: SqliteMigration = {
  version: 8,
  name: 'enrollment-tokens',
  sql: `
CREATE TABLE enrollment_tokens (
  token_id TEXT NOT NULL PRIMARY KEY,
  token_hash TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  expires_time INTEGER NOT NULL,
  max_uses INTEGER NOT NULL CHECK (max_uses >= 1),
  use_count INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL,
  max_task_count INTEGER,
  enable_worker INTEGER NOT NULL CHECK (enable_worker IN (0, 1)),
  last_used_time INTEGER,
  revoked_time INTEGER
);
`,
};
