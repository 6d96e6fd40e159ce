import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `so_<id>_<secret>`: the id finds the key, the secret proves it. The catalog keeps only the
 * secret's SHA-256; a key is 256 random bits, so a fast hash is enough (no password stretching needed).
 */
const pattern = /^so_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  apiKeyId: string;
  /** The whole key, shown once. */
  secret: string;
  keyHash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const apiKeyId = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
  const secretPart = randomBytes(32).toString('base64url');
  return { apiKeyId, secret: `so_${apiKeyId}_${secretPart}`, keyHash: hashSecret(secretPart) };
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
