import { readFile, rm } from 'node:fs/promises';
import { writeSecretFile } from '../../functions/admin/create-api-key.js';
import { issueApiKey, parseApiKey, secretMatches } from '../../functions/auth/api-keys.js';
import type { Catalog } from '../../functions/catalog/catalog.js';

export interface AdminKey {
  /** The whole key, `so_<id>_<secret>`. */
  secret: string;
  apiKeyId: string;
  file: string;
  /** Created by this start (first run, or the stored one no longer works): the only time it is shown in full. */
  created: boolean;
  /** Why a new one replaced the stored one. */
  replaced?: string;
}

/**
 * The one-box's admin API key, kept in a file readable by its owner only. Made on the first start; afterwards
 * the stored key is used as long as the catalog still accepts it (a deleted catalog, or a revoked key, gets a
 * new one, and the file is rewritten).
 */
export async function ensureAdminKey(catalog: Pick<Catalog, 'findApiKey' | 'insertApiKey'>, file: string): Promise<AdminKey> {
  const stored = await readKeyFile(file);
  let replaced: string | undefined;
  if (stored !== undefined) {
    const problem = await whyUnusable(catalog, stored);
    if (problem === undefined) return { secret: stored, apiKeyId: parseApiKey(stored)!.apiKeyId, file, created: false };
    replaced = problem;
    await rm(file, { force: true });
  }
  const { apiKey, secret } = await issueApiKey(catalog, { name: 'one-box admin', role: 'admin' }, 'npm start');
  await writeSecretFile(file, `${secret}\n`);
  return { secret, apiKeyId: apiKey.apiKeyId, file, created: true, ...(replaced ? { replaced } : {}) };
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function whyUnusable(catalog: Pick<Catalog, 'findApiKey'>, key: string): Promise<string | undefined> {
  const parsed = parseApiKey(key);
  if (!parsed) return 'the stored key is not an API key';
  const found = await catalog.findApiKey(parsed.apiKeyId);
  if (!found) return 'the catalog does not know the stored key (was the catalog deleted?)';
  if (!secretMatches(parsed.secretPart, found.keyHash)) return 'the stored key does not match the catalog';
  if (found.revokedTime !== null) return 'the stored key was revoked';
  if (found.role !== 'admin') return `the stored key has the ${found.role} role, not admin`;
  return undefined;
}
