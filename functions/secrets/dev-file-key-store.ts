import 'reflect-metadata';
import { X509Certificate, randomBytes, webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { KeyStore, MasterCertificate } from './key-store.js';

/** Stopgap file key store until the full file/Key Vault adapters land. */
export class DevFileKeyStore implements KeyStore {
  constructor(private readonly folder: string) {}

  async getDataKey(): Promise<Buffer> {
    return this.#secret('data-key');
  }

  async getTokenSigningKey(): Promise<Buffer> {
    return this.#secret('token-signing-key');
  }

  async getMasterCertificate(hostnames: readonly string[]): Promise<MasterCertificate> {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    const certPath = join(this.folder, 'master-cert.pem');
    const keyPath = join(this.folder, 'master-key.pem');
    try {
      return describe(readFileSync(certPath, 'utf8'), readFileSync(keyPath, 'utf8'));
    } catch {
      x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
      const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
      const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomBytes(8).toString('hex'),
        name: `CN=${hostnames[0] ?? 'localhost'}`,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 2 * 365 * 86_400_000),
        keys: keys as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
        signingAlgorithm: alg,
        extensions: [
          new x509.SubjectAlternativeNameExtension([
            ...[...new Set([...hostnames, 'localhost'])].map((value) => ({ type: 'dns' as const, value })),
            { type: 'ip', value: '127.0.0.1' },
          ]),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        ],
      });
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
      const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
      writeFileSync(certPath, cert.toString('pem'), { mode: 0o600 });
      writeFileSync(keyPath, keyPem, { mode: 0o600 });
      return describe(cert.toString('pem'), keyPem);
    }
  }

  #secret(name: string): Buffer {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    const path = join(this.folder, name);
    try {
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch {
      // Already there: another process or an earlier start created it.
    }
    return Buffer.from(readFileSync(path, 'utf8'), 'base64');
  }
}

function describe(certPem: string, keyPem: string): MasterCertificate {
  const cert = new X509Certificate(certPem);
  return {
    certPem,
    keyPem,
    thumbprintSha1: cert.fingerprint.replace(/:/g, '').toLowerCase(),
    thumbprintSha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    notAfter: Date.parse(cert.validTo),
  };
}
