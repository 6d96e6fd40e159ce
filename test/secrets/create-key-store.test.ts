import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyStore } from '../../functions/secrets/create-key-store.js';
import { FileKeyStore } from '../../functions/secrets/file-key-store.js';
import { KeyVaultKeyStore } from '../../functions/secrets/key-vault-key-store.js';

describe('the key store the configuration selects', () => {
  it('is Key Vault when a vault URL is configured, without touching the network', () => {
    const credential = { getToken: () => Promise.reject(new Error('no token may be asked for at construction')) };
    const store = createKeyStore({ kind: 'key-vault', vaultUrl: 'https://kv-scaleout.vault.azure.net/' }, { credential });
    expect(store).toBeInstanceOf(KeyVaultKeyStore);
  });

  it('is the file store otherwise, which creates nothing until a secret is asked for', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'scaleout-keys-'));
    try {
      const folder = join(parent, 'keys');
      const store = createKeyStore({ kind: 'files', folder });
      expect(store).toBeInstanceOf(FileKeyStore);
      expect(existsSync(folder)).toBe(false);
      expect((await store.getDataKey()).length).toBe(32);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
