import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRole } from '../../contracts/endpoint.js';
import type { Catalog, IdempotencyGuard } from '../catalog/catalog.js';
import type { ApiKey } from '../catalog/domain.js';

/**
 * API keys look like `so_<id>_<secret>`: the id finds the key, the secret proves it. The catalog keeps only the
 * secret's SHA-256; a key is 256 random bits, so a fast hash is enough (no password stretching needed).
 */
const pattern = /^so_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** How every API key starts: what tells one apart from another Bearer token (an Entra one, a task credential). */
export const apiKeyPrefix = 'so_';

export interface GeneratedApiKey {
  apiKeyId: string;
  /** The whole key, shown once. */
  secret: string;
  keyHash: string;
}

/**
 * A new id (12 lowercase letters and digits, what finds the key) and secret (256 random bits, base64url: what
 * proves it), with the secret's hash: what API keys and enrollment tokens are both made of.
 */
export function generateKeyParts(): { id: string; secretPart: string; hash: string } {
  const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
  const secretPart = randomBytes(32).toString('base64url');
  return { id, secretPart, hash: hashSecret(secretPart) };
}

export function generateApiKey(): GeneratedApiKey {
  const { id, secretPart, hash } = generateKeyParts();
  return { apiKeyId: id, secret: `so_${id}_${secretPart}`, keyHash: hash };
}

export function parseApiKey(key: string): { apiKeyId: string; secretPart: string } | undefined {
  const match = pattern.exec(key.trim());
  return match ? { apiKeyId: match[1]!, secretPart: match[2]! } : undefined;
}

export function hashSecret(secretPart: string): string {
  return createHash('sha256').update(secretPart).digest('hex');
}

export function secretMatches(secretPart: string, keyHash: string): boolean {
  const expected = Buffer.from(keyHash, 'hex');
  const actual = Buffer.from(hashSecret(secretPart), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Creates an API key: the catalog keeps its hash, the caller gets the whole key, once. The management API's
 * `createApiKey`, the `scaleout-master apikey create` command and the one-box's first admin key all come from here.
 */
export async function issueApiKey(
  catalog: Pick<Catalog, 'insertApiKey'>,
  input: { name: string; role: ApiKeyRole },
  actor: string,
  /** An Idempotency-Key's guard, keeping the secret for a replay (the catalog has only its hash). */
  guardKeeping?: (keep: { secret: string }) => IdempotencyGuard<ApiKey>,
): Promise<{ apiKey: ApiKey; secret: string }> {
  const generated = generateApiKey();
  const apiKey = await catalog.insertApiKey(
    { apiKeyId: generated.apiKeyId, name: input.name, role: input.role, keyHash: generated.keyHash },
    actor,
    guardKeeping?.({ secret: generated.secret }),
  );
  return { apiKey, secret: generated.secret };
}
