import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { privateKeyPemFromPkcs12 } from '../../functions/secrets/pkcs12.js';

// Fixtures made once with OpenSSL 3 (`openssl pkcs12 -export`, see each case) from one throwaway P-256 key and
// its self-signed certificate: the key read back must be the certificate's.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const certificate = new X509Certificate(fixture('pkcs12-fixture-certificate.pem'));

describe('the private key of a PKCS#12 file', () => {
  it.each([
    ['PKCS#12 SHA-1 + 3DES, empty password (-keypbe PBE-SHA1-3DES)', 'pkcs12-fixture-3des.p12', ''],
    ['PBES2 PBKDF2 + AES-256-CBC, empty password (-keypbe AES-256-CBC)', 'pkcs12-fixture-aes256.p12', ''],
    ['OpenSSL 3 defaults with a password', 'pkcs12-fixture-password.p12', 'fixture-password'],
  ])('is read from %s', (_scheme, file, password) => {
    const pem = privateKeyPemFromPkcs12(fixture(file), password);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(certificate.checkPrivateKey(createPrivateKey(pem))).toBe(true);
  });

  it('is refused, not garbled, with the wrong password', () => {
    expect(() => privateKeyPemFromPkcs12(fixture('pkcs12-fixture-password.p12'), 'not-the-password')).toThrow(/PKCS#12|bad decrypt/);
  });

  it('is refused for something that is not PKCS#12', () => {
    expect(() => privateKeyPemFromPkcs12(Buffer.from('-----BEGIN CERTIFICATE-----'))).toThrow(/DER/);
  });
});
