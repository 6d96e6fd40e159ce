import { randomBytes, webcrypto } from 'node:crypto';
import 'reflect-metadata'; // before @peculiar/x509, whose tsyringe cannot load without it
import { ContentInfo, id_data } from '@peculiar/asn1-cms';
import { AuthenticatedSafe, CertBag, id_certBag, id_keyBag, id_x509Certificate, MacData, PFX, SafeBag, SafeContents } from '@peculiar/asn1-pfx';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { pkcs12Mac, pkcs12PasswordEncodings, sha256 } from '../../contracts/pkcs12/pkcs12-key-derivation.js';

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
 * A PKCS#12 file whose bags are not encrypted (key bag + certificate bag) but whose MAC is, under the empty
 * password, as the fake's secret for a certificate whose policy asks for application/x-pkcs12. Real Key Vault also
 * encrypts the key bag under that password; those encryptions are covered by the OpenSSL files of
 * test/secrets/pkcs12.test.ts.
 */
export function macOnlyPkcs12(certDer: Buffer, keyPkcs8Der: Buffer): Buffer {
  const data = (octets: ArrayBuffer) => new ContentInfo({ contentType: id_data, content: AsnConvert.serialize(new OctetString(octets)) });
  const certBag = new CertBag({ certId: id_x509Certificate, certValue: AsnConvert.serialize(new OctetString(certDer)) });
  const safeContents = new SafeContents([
    new SafeBag({ bagId: id_keyBag, bagValue: toArrayBuffer(keyPkcs8Der) }),
    new SafeBag({ bagId: id_certBag, bagValue: AsnConvert.serialize(certBag) }),
  ]);
  const authSafeOctets = Buffer.from(AsnConvert.serialize(new AuthenticatedSafe([data(AsnConvert.serialize(safeContents))])));
  const salt = randomBytes(16);
  const [emptyPassword = Buffer.alloc(2)] = pkcs12PasswordEncodings('');
  const mac = new MacData({
    mac: new DigestInfo({ digestAlgorithm: new AlgorithmIdentifier({ algorithm: sha256Oid }), digest: new OctetString(pkcs12Mac(sha256, emptyPassword, salt, 2048, authSafeOctets)) }),
    macSalt: new OctetString(salt),
    iterations: 2048,
  });
  return Buffer.from(AsnConvert.serialize(new PFX({ version: 3, authSafe: data(toArrayBuffer(authSafeOctets)), macData: mac })));
}

/** SHA-256, as the MAC's digest algorithm. */
const sha256Oid = '2.16.840.1.101.3.4.2.1';

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}
