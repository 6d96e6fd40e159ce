import { X509Certificate, createHash, createPrivateKey, sign, verify } from 'node:crypto';
import { expect } from 'vitest';
import { AesGcmValueCipher } from '../../functions/catalog/value-cipher.js';
import type { ManualClock } from '../../functions/clock.js';
import type { KeyStore, MasterCertificate } from '../../functions/secrets/key-store.js';

/**
 * The key store contract: what every adapter must do, as scenarios. The file store's and the Key Vault store's
 * test files register each one as a test against their own backing storage.
 */
export interface KeyStoreHarness {
  /** A new store instance over the same storage: another master instance, or the same one restarted. */
  newStore(): KeyStore;
  /** The clock every store of this harness reads. */
  clock: ManualClock;
}

export type KeyStoreScenario = (h: KeyStoreHarness) => Promise<void>;

const hostnames = ['scaleout-master.example.test', 'master-2.example.test'];
const day = 24 * 60 * 60 * 1000;
const hex = (key: Buffer) => key.toString('hex');

function expectOneValue(values: string[]): void {
  expect(values.length).toBeGreaterThan(1);
  expect(new Set(values).size).toBe(1);
}

function expectCovers(certificate: MasterCertificate, names: readonly string[]): void {
  const x509 = new X509Certificate(certificate.certPem);
  for (const name of names) expect(x509.checkHost(name), name).toBe(name);
}

export const keyStoreContract: Record<string, KeyStoreScenario> = {
  'creates each secret once and keeps it across store instances': async (h) => {
    const first = h.newStore();
    const dataKey = await first.getDataKey();
    const signingKey = await first.getTokenSigningKey();
    expect(hex(dataKey)).not.toBe(hex(signingKey));
    const second = h.newStore();
    expect(hex(await second.getDataKey())).toBe(hex(dataKey));
    expect(hex(await second.getTokenSigningKey())).toBe(hex(signingKey));
    expect(hex(await first.getDataKey())).toBe(hex(dataKey));
  },

  'gives several instances using it for the first time at once one value': async (h) => {
    const stores = Array.from({ length: 6 }, () => h.newStore());
    const [dataKeys, signingKeys] = await Promise.all([
      Promise.all(stores.map((store) => store.getDataKey())),
      Promise.all(stores.map((store) => store.getTokenSigningKey())),
    ]);
    expectOneValue(dataKeys.map(hex));
    expectOneValue(signingKeys.map(hex));
    expect(hex(await h.newStore().getDataKey())).toBe(hex(dataKeys[0] ?? Buffer.alloc(0)));
  },

  'holds a 32-byte data key the value cipher accepts, and a 32-byte token-signing key': async (h) => {
    const store = h.newStore();
    const dataKey = await store.getDataKey();
    expect(dataKey.length).toBe(32);
    expect((await store.getTokenSigningKey()).length).toBe(32);
    const cipher = new AesGcmValueCipher(dataKey);
    expect(cipher.decrypt(cipher.encrypt('p@ssw0rd'))).toBe('p@ssw0rd');
  },

  'creates a master certificate that parses, covers the host names and loopback, and matches its key': async (h) => {
    const certificate = await h.newStore().getMasterCertificate(hostnames);
    const x509 = new X509Certificate(certificate.certPem);
    expectCovers(certificate, [...hostnames, 'localhost']);
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // extended key usage: TLS server authentication
    expect(certificate.thumbprintSha1).toBe(createHash('sha1').update(x509.raw).digest('hex'));
    expect(certificate.thumbprintSha256).toBe(createHash('sha256').update(x509.raw).digest('hex'));
    expect(certificate.notAfter).toBe(Date.parse(x509.validTo));
    expect(certificate.notAfter - h.clock.now()).toBeGreaterThan(700 * day);
    const key = createPrivateKey(certificate.keyPem);
    expect(x509.checkPrivateKey(key)).toBe(true);
    const signature = sign('sha256', Buffer.from('hello'), key);
    expect(verify('sha256', Buffer.from('hello'), x509.publicKey, signature)).toBe(true);
  },

  'reuses the master certificate on the next call, from this and other instances': async (h) => {
    const store = h.newStore();
    const first = await store.getMasterCertificate(hostnames);
    const again = await store.getMasterCertificate(hostnames);
    const elsewhere = await h.newStore().getMasterCertificate(hostnames);
    expect([again.thumbprintSha256, elsewhere.thumbprintSha256]).toEqual([first.thumbprintSha256, first.thumbprintSha256]);
    expect(createPrivateKey(elsewhere.keyPem).export({ format: 'jwk' })).toEqual(createPrivateKey(first.keyPem).export({ format: 'jwk' }));
  },

  'gives several instances asking for the master certificate at once one certificate': async (h) => {
    const stores = Array.from({ length: 4 }, () => h.newStore());
    const certificates = await Promise.all(stores.map((store) => store.getMasterCertificate(hostnames)));
    expectOneValue(certificates.map((certificate) => certificate.thumbprintSha256));
  },

  'replaces a master certificate that lacks a requested host name or is about to expire': async (h) => {
    const store = h.newStore();
    const narrow = await store.getMasterCertificate(['first.example.test']);
    const wider = await store.getMasterCertificate(['first.example.test', 'second.example.test']);
    expect(wider.thumbprintSha256).not.toBe(narrow.thumbprintSha256);
    expectCovers(wider, ['first.example.test', 'second.example.test']);

    h.clock.set(wider.notAfter - 10 * day);
    const renewed = await store.getMasterCertificate(['first.example.test', 'second.example.test']);
    expect(renewed.thumbprintSha256).not.toBe(wider.thumbprintSha256);
    expect(renewed.notAfter - h.clock.now()).toBeGreaterThan(700 * day);
    expect((await h.newStore().getMasterCertificate(['second.example.test'])).thumbprintSha256).toBe(renewed.thumbprintSha256);
  },
};
