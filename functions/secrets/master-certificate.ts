import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import 'reflect-metadata'; // before @peculiar/x509, whose tsyringe cannot load without it
import * as x509 from '@peculiar/x509';
import type { MasterCertificate } from './key-store.js';

/** What both key stores do with the master certificate: create it, describe it, and decide whether it still fits. */

/** The master certificate lives this long. */
const masterCertificateValidityMs = 2 * 365 * 24 * 60 * 60 * 1000;

/**
 * A certificate this close to expiry is replaced rather than served: master instances run for days, and one must
 * not start serving a certificate that expires under it.
 */
export const masterCertificateRenewBeforeMs = 30 * 24 * 60 * 60 * 1000;

/** Names every master certificate covers besides the requested ones, so that loopback clients always verify. */
const loopbackNames = ['localhost', '127.0.0.1', '::1'] as const;

/** The requested host names plus the loopback names, without duplicates, split into DNS names and IP addresses. */
export function subjectAlternativeNames(hostnames: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const all = [...new Set([...hostnames, ...loopbackNames].map((name) => name.toLowerCase()))];
  return { dnsNames: all.filter((name) => isIP(name) === 0), ipAddresses: all.filter((name) => isIP(name) !== 0) };
}

/** Thumbprints and expiry of a certificate and its key, after checking that they belong together. */
export function describeMasterCertificate(certPem: string, keyPem: string): MasterCertificate {
  const certificate = new X509Certificate(certPem);
  if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new Error('the master certificate and its private key do not match');
  }
  return {
    certPem,
    keyPem,
    thumbprintSha1: hexThumbprint(certificate.fingerprint),
    thumbprintSha256: hexThumbprint(certificate.fingerprint256),
    notAfter: Date.parse(certificate.validTo),
  };
}

/** Whether the certificate covers every requested host name and stays valid long enough to keep serving. */
export function isMasterCertificateUsable(certPem: string, hostnames: readonly string[], nowMs: number): boolean {
  const certificate = new X509Certificate(certPem);
  if (Date.parse(certificate.validTo) - nowMs < masterCertificateRenewBeforeMs) return false;
  if (Date.parse(certificate.validFrom) > nowMs + 5 * 60_000) return false;
  return hostnames.every((name) =>
    isIP(name) === 0 ? certificate.checkHost(name) !== undefined : certificate.checkIP(name) !== undefined,
  );
}

/**
 * A new self-signed ECDSA P-256 certificate for TLS server authentication: subject CN = the first host name,
 * subject alternative names = the host names plus loopback, valid two years from `nowMs` (backdated five minutes
 * for clients whose clocks run slightly behind).
 */
export async function createSelfSignedMasterCertificate(
  hostnames: readonly string[],
  nowMs: number,
): Promise<{ certPem: string; keyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const { dnsNames, ipAddresses } = subjectAlternativeNames(hostnames);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${escapeDn(hostnames[0] ?? 'localhost')}`,
      keys,
      signingAlgorithm: algorithm,
      notBefore: new Date(nowMs - 5 * 60_000),
      notAfter: new Date(nowMs + masterCertificateValidityMs),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: certificate.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** Node prints fingerprints as colon-separated uppercase hex; the store's contract is lowercase hex. */
function hexThumbprint(fingerprint: string): string {
  return fingerprint.replaceAll(':', '').toLowerCase();
}

/** Host names never need it, but a DN value with a comma or quote would change the name's structure. */
function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}
