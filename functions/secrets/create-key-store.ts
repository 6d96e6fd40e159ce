import type { TokenCredential } from '@azure/identity';
import type { Clock } from '../clock.js';
import { FileKeyStore } from './file-key-store.js';
import type { KeyStore } from './key-store.js';
import { KeyVaultKeyStore } from './key-vault-key-store.js';

/**
 * Where the master keeps its secrets, as the master's configuration says: Key Vault when SCALEOUT_KEY_VAULT_URL is
 * set (as the Bicep does in Azure), otherwise files in SCALEOUT_KEY_FOLDER (default `.data/keys`).
 */
export type KeyStoreSettings = { kind: 'key-vault'; vaultUrl: string } | { kind: 'files'; folder: string };

export interface KeyStoreDependencies {
  /** The Entra credential for Key Vault: the master's shared one (identity/azure-credential.ts). */
  credential?: TokenCredential;
  clock?: Clock;
}

/** The key store the settings select. Nothing touches the network or the disk until a secret is asked for. */
export function createKeyStore(settings: KeyStoreSettings, dependencies: KeyStoreDependencies = {}): KeyStore {
  const clock = dependencies.clock ? { clock: dependencies.clock } : {};
  switch (settings.kind) {
    case 'key-vault':
      if (!dependencies.credential) throw new Error('a Key Vault key store needs the master\'s Azure credential');
      return new KeyVaultKeyStore({ vaultUrl: settings.vaultUrl, credential: dependencies.credential, ...clock });
    case 'files':
      return new FileKeyStore({ folder: settings.folder, ...clock });
  }
}
