import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPkcs12 } from '../../contracts/pkcs12/read-pkcs12.js';

// Fixtures made once with OpenSSL 3 (`openssl pkcs12 -export`, see each case) from one throwaway P-256 key and
// its self-signed certificate: the key read back must be the certificate's.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const certificate = new X509Certificate(fixture('pkcs12-fixture-certificate.pem'));

describe('a PKCS#12 file (Key Vault secret, worker PFX)', () => {
  it.each([
    ['PKCS#12 SHA-1 + 3DES, empty password (-keypbe PBE-SHA1-3DES)', 'pkcs12-fixture-3des.p12', ''],
    ['PBES2 PBKDF2 + AES-256-CBC, empty password (-keypbe AES-256-CBC)', 'pkcs12-fixture-aes256.p12', ''],
    ['OpenSSL 3 defaults with a password', 'pkcs12-fixture-password.p12', 'fixture-password'],
  ])('gives its key and the certificate of that key, from %s', (_scheme, file, password) => {
    const { privateKeyPem, certificatePem } = readPkcs12(fixture(file), password);
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(certificate.checkPrivateKey(createPrivateKey(privateKeyPem))).toBe(true);
    expect(certificatePem && new X509Certificate(certificatePem).fingerprint256).toBe(certificate.fingerprint256);
  });

  it('is refused, not garbled, with the wrong password', () => {
    expect(() => readPkcs12(fixture('pkcs12-fixture-password.p12'), 'not-the-password')).toThrow('cannot decrypt the PFX: wrong password');
  });

  it('is refused for something that is not PKCS#12', () => {
    expect(() => readPkcs12(Buffer.from('-----BEGIN CERTIFICATE-----'))).toThrow(/^not a readable PFX \(PKCS#12\) file: DER: /);
  });
});
