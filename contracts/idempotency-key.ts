/**
 * The Idempotency-Key request header (IETF draft-ietf-httpapi-idempotency-key-header) on the management writes that
 * create something: a client sends one key per user action and the same key again when it retries, so a retry
 * whose first answer was lost (the connection dropped after the master committed) gets that answer back instead of
 * creating a second execution, version, schedule or API key.
 */
export const idempotencyKeyHeader = 'Idempotency-Key';

/** How long the master keeps a key: a retry comes within seconds, a script rerun after a failure within hours. */
export const idempotencyKeyRetentionMs = 24 * 3_600_000;

export const maxIdempotencyKeyLength = 128;

/**
 * A key is 1 to 128 visible ASCII characters, without `"` or `\`; the draft's quoted form (`"…"`, a structured-field
 * string) and the bare form are both accepted.
 */
const keyPattern = new RegExp(`^[\\x21\\x23-\\x5b\\x5d-\\x7e]{1,${maxIdempotencyKeyLength}}$`);

/** The key a header carries, or why it is not one. */
export function parseIdempotencyKey(header: string): { key: string } | { reason: string } {
  const value = header.trim();
  const key = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (key.length === 0) return { reason: 'empty; send a new random value (a UUID) per action' };
  if (key.length > maxIdempotencyKeyLength) return { reason: `${key.length} characters; at most ${maxIdempotencyKeyLength}` };
  if (!keyPattern.test(key)) return { reason: 'visible ASCII characters only, without spaces, quotes or backslashes' };
  return { key };
}

/** A new key for one user action. */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}
