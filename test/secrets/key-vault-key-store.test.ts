import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/clock.js';
import { KeyStoreError } from '../../functions/secrets/key-store-error.js';
import { KeyVaultKeyStore, type KeyVaultKeyStoreOptions, keyVaultNames } from '../../functions/secrets/key-vault-key-store.js';
import { type FakeKeyVault, startFakeKeyVault } from '../support/fake-key-vault.js';
import { keyStoreContract } from './key-store-contract.js';

// The Key Vault key store through the real Azure SDK (SecretClient, CertificateClient and their challenge
// authentication) against a local HTTPS endpoint that speaks the Key Vault REST API: see test/support/fake-key-vault.ts.

let vault: FakeKeyVault;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 10, 22, 9));
  vault = await startFakeKeyVault({ clock });
});

afterEach(async () => {
  await vault.close();
});

function store(options: Partial<KeyVaultKeyStoreOptions> = {}): KeyVaultKeyStore {
  return new KeyVaultKeyStore({
    vaultUrl: vault.url,
    credential: vault.credential,
    clientOptions: vault.clientOptions,
    clock,
    // The test clock stands still, so every version stays "young": keep the second look short.
    settleMs: 200,
    pollIntervalMs: 20,
    ...options,
  });
}

describe.each([['application/x-pem-file'], ['application/x-pkcs12']] as const)(
  'key store contract on Key Vault, certificate secrets as %s',
  (certificateContentType) => {
    it.each(Object.entries(keyStoreContract))('%s', async (_name, scenario) => {
      await scenario({ newStore: () => store({ certificateContentType }), clock });
    });
  },
);

describe('the Key Vault key store', () => {
  it('makes no request until a secret is asked for', () => {
    store();
    expect(vault.requests).toEqual([]);
  });

  it('answers the Key Vault challenge: unauthenticated first, then a token for https://vault.azure.net', async () => {
    await store().getDataKey();
    expect(vault.requests[0]).toMatchObject({ status: 401, authorized: false });
    expect(vault.requests.slice(1).every((request) => request.authorized)).toBe(true);
    expect(vault.credential.scopes).toContainEqual(['https://vault.azure.net/.default']);
  });

  it('uses the oldest enabled version when a secret has several', async () => {
    const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');
    const now = Math.floor(clock.now() / 1000);
    vault.seedSecret(keyVaultNames.dataKey, key(1), { enabled: false, createdSeconds: now - 300 });
    vault.seedSecret(keyVaultNames.dataKey, key(2), { createdSeconds: now - 200 });
    vault.seedSecret(keyVaultNames.dataKey, key(3), { createdSeconds: now - 100 });
    expect(await store().getDataKey()).toEqual(Buffer.alloc(32, 2));
    expect(vault.requests.filter((request) => request.method === 'PUT')).toEqual([]);
  });

  it('refuses a secret that is not a 32-byte key rather than replacing it', async () => {
    const longAgo = Math.floor(clock.now() / 1000) - 3600;
    vault.seedSecret(keyVaultNames.tokenSigningKey, randomBytes(16).toString('base64'), { createdSeconds: longAgo });
    await expect(store().getTokenSigningKey()).rejects.toThrow(/holds 16 bytes, not 32/);
  });

  it('says so when the secret is deleted but recoverable, instead of failing with a bare 409', async () => {
    vault.softDeleteSecret(keyVaultNames.dataKey);
    const failure = store().getDataKey();
    await expect(failure).rejects.toBeInstanceOf(KeyStoreError);
    await expect(failure).rejects.toThrow(/deleted but recoverable/);
  });

  it('gives up with an explanation when another certificate creation never finishes', async () => {
    vault.stallCertificateCreation(keyVaultNames.masterCertificate);
    const failure = store({ creationTimeoutMs: 100 }).getMasterCertificate(['master.example.test']);
    await expect(failure).rejects.toBeInstanceOf(KeyStoreError);
    await expect(failure).rejects.toThrow(/keeps answering 409 Conflict/);
    expect(vault.requests.filter((request) => request.path.endsWith('/create')).length).toBe(5);
  });

  it('asks for an exportable, self-signed EC P-256 TLS server certificate for two years', async () => {
    await store().getMasterCertificate(['master.example.test', '10.1.2.3']);
    expect(vault.certificatePolicies).toEqual([
      expect.objectContaining({
        issuer: expect.objectContaining({ name: 'Self' }),
        key_props: expect.objectContaining({ kty: 'EC', crv: 'P-256', exportable: true }),
        secret_props: { contentType: 'application/x-pem-file' },
        x509_props: expect.objectContaining({
          subject: 'CN=master.example.test',
          sans: expect.objectContaining({
            dns_names: ['master.example.test', 'localhost'],
            ipAddresses: ['10.1.2.3', '127.0.0.1', '::1'],
          }),
          ekus: ['1.3.6.1.5.5.7.3.1'],
          validity_months: 24,
        }),
      }),
    ]);
  });
});
