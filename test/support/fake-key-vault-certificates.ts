import { webcrypto } from 'node:crypto';
import 'reflect-metadata'; // before @peculiar/x509, whose tsyringe cannot load without it
import * as x509 from '@peculiar/x509';

/**
 * Certificates the fake Key Vault issues: what a self-signed certificate policy asks for (subject, DNS and IP
 * names, validity), written independently of the code under test so that the contract really checks the policy
 * the store sends. Also the fake's own TLS certificate.
 */
export interface IssuedCertificate {
  certDer: Buffer;
  certPem: string;
  keyPkcs8Der: Buffer;
  keyPem: string;
}

export async function issueSelfSigned(options: {
  subject: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
}): Promise<IssuedCertificate> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: options.subject,
      keys,
      signingAlgorithm: algorithm,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...options.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ]),
      ],
    },
    webcrypto,
  );
  const keyPkcs8Der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    certDer: Buffer.from(certificate.rawData),
    certPem: certificate.toString('pem'),
    keyPkcs8Der,
    keyPem: x509.PemConverter.encode(keyPkcs8Der, 'PRIVATE KEY'),
  };
}

/**
 * An unencrypted PKCS#12 file (key bag + certificate bag, no MAC), as the fake's secret for a certificate whose
 * policy asks for application/x-pkcs12. Real Key Vault encrypts the key bag with an empty password; those
 * encryptions are covered by the OpenSSL fixtures of test/secrets/pkcs12.test.ts.
 */
export function unencryptedPkcs12(certDer: Buffer, keyPkcs8Der: Buffer): Buffer {
  const data = (content: Buffer) => seq(oid('1.2.840.113549.1.7.1'), tlv(0xa0, tlv(0x04, content)));
  const bag = (bagId: string, value: Buffer) => seq(oid(bagId), tlv(0xa0, value));
  const certBag = seq(oid('1.2.840.113549.1.9.22.1'), tlv(0xa0, tlv(0x04, certDer)));
  const safeContents = seq(bag('1.2.840.113549.1.12.10.1.1', keyPkcs8Der), bag('1.2.840.113549.1.12.10.1.3', certBag));
  return seq(tlv(0x02, Buffer.from([3])), data(seq(data(safeContents))));
}

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(length);
    const significant = bytes.subarray(bytes.findIndex((b) => b !== 0));
    header = Buffer.concat([Buffer.from([tag, 0x80 | significant.length]), significant]);
  }
  return Buffer.concat([header, content]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}
