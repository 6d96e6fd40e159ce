import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPkcs12 } from '../../contracts/pkcs12/read-pkcs12.js';

// Real PFX files, written by `openssl pkcs12 -export` from one throwaway P-256 key and its self-signed certificate:
// the key read back must be the certificate's.
let folder: string;
let certificate: X509Certificate;

function exportPfx(name: string, password: string, options: string[] = []): Buffer {
  const out = join(folder, `${name}.p12`);
  const inputs = ['-in', join(folder, 'certificate.pem'), '-inkey', join(folder, 'key.pem')];
  execFileSync('openssl', ['pkcs12', '-export', ...inputs, '-out', out, '-passout', `pass:${password}`, ...options], { stdio: 'ignore' });
  return readFileSync(out);
}

/** The file with the byte at `index` changed. */
function withByteChanged(file: Buffer, index: number): Buffer {
  expect(index).toBeGreaterThan(0);
  const tampered = Buffer.from(file);
  tampered[index] = (tampered[index] ?? 0) ^ 0x01;
  return tampered;
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'scaleout-pkcs12-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(folder, 'key.pem'), '-out', join(folder, 'certificate.pem'), '-subj', '/CN=pkcs12-test', '-days', '2'],
    { stdio: 'ignore' },
  );
  certificate = new X509Certificate(readFileSync(join(folder, 'certificate.pem')));
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('a PKCS#12 file (Key Vault secret, worker PFX)', () => {
  const legacy = ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'];
  it.each([
    ['OpenSSL 3 defaults (PBES2 PBKDF2 + AES-256-CBC, HMAC-SHA-256) with a password', 'S3cret!', []],
    ['PBES2 AES-256-CBC with an empty password, as Key Vault writes it', '', ['-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC']],
    ['the legacy PKCS#12 SHA-1 + 3DES with an HMAC-SHA-1 MAC, with a password', 'S3cret!', legacy],
    ['the legacy PKCS#12 SHA-1 + 3DES, empty password', '', legacy],
  ])('gives its key and the certificate of that key, from %s', (scheme, password, options) => {
    const { privateKeyPem, certificatePem } = readPkcs12(exportPfx(scheme.replace(/\W+/g, '-'), password, options), password);
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(certificate.checkPrivateKey(createPrivateKey(privateKeyPem))).toBe(true);
    expect(certificatePem && new X509Certificate(certificatePem).fingerprint256).toBe(certificate.fingerprint256);
  });

  it.each([
    ['AES', []],
    ['legacy 3DES', legacy],
  ])('is refused with the wrong password (%s)', (name, options) => {
    const pfx = exportPfx(`wrong-password-${name}`, 'S3cret!', options);
    expect(() => readPkcs12(pfx, 'not-the-password')).toThrow('cannot decrypt the PFX: wrong password (its MAC does not match)');
    expect(() => readPkcs12(pfx)).toThrow('cannot decrypt the PFX: wrong password');
  });

  it('is refused as altered when one byte changed, with the right password', () => {
    const pfx = exportPfx('tampered', 'S3cret!');
    // The key bag's localKeyId attribute (the certificate's SHA-1) lies in the clear, as does its key's AES IV.
    const localKeyId = pfx.indexOf(Buffer.from(certificate.fingerprint.replace(/:/g, ''), 'hex'));
    const shroudedKeyBag = pfx.indexOf(Buffer.from('060b2a864886f70d010c0a0102', 'hex'));
    const aes256IvHeader = Buffer.from('060960864801650304012a0410', 'hex');
    const keyIv = pfx.indexOf(aes256IvHeader, shroudedKeyBag) + aes256IvHeader.length;
    for (const index of [localKeyId, keyIv]) {
      expect(() => readPkcs12(withByteChanged(pfx, index), 'S3cret!')).toThrow(
        'the PFX was altered after it was written: its MAC does not match, though the password opens it',
      );
    }
  });

  it('is refused without a MAC, whose integrity nothing checks', () => {
    expect(() => readPkcs12(exportPfx('no-mac', 'S3cret!', ['-nomac']), 'S3cret!')).toThrow('the PFX has no MAC, so its integrity cannot be checked');
  });

  it('is refused for something that is not PKCS#12', () => {
    expect(() => readPkcs12(Buffer.from('-----BEGIN CERTIFICATE-----'))).toThrow(/^not a readable PFX \(PKCS#12\) file: /);
  });
});
