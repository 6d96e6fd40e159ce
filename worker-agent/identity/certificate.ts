import { createHash, createPrivateKey, randomBytes, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { x509 } from './x509.js';

/**
 * The worker's identity: a certificate and its private key. The master knows the worker by the certificate
 * (registered with `scaleout worker add`); the worker proves it holds the key by signing every request's token.
 */
export interface WorkerIdentity {
  certificate: X509Certificate;
  /** DER bytes of the certificate, as `x5c` carries them. */
  certificateDer: Buffer;
  privateKey: KeyObject;
  thumbprints: Thumbprints;
}

export interface Thumbprints {
  /** Upper-case hex, no colons, as Windows and SSIS show it. */
  sha1: string;
  sha256: string;
}

export function thumbprintsOf(certificate: X509Certificate): Thumbprints {
  return {
    sha1: certificate.fingerprint.replace(/:/g, '').toUpperCase(),
    sha256: certificate.fingerprint256.replace(/:/g, '').toUpperCase(),
  };
}

/** base64url SHA-256 of the DER certificate: the JOSE `x5t#S256` header. */
export function x5tS256(certificateDer: Uint8Array): string {
  return createHash('sha256').update(certificateDer).digest('base64url');
}

/** Node's WebCrypto, as @peculiar/x509 types it (its declarations expect the DOM's `Crypto`). */
const x509Crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1];

export interface GeneratedIdentity {
  certificatePem: string;
  privateKeyPem: string;
}

/**
 * A new ECDSA P-256 key pair and a self-signed certificate for client authentication (digitalSignature,
 * extended key usage clientAuth), subject `CN=<commonName>`.
 */
export async function generateWorkerIdentity(options: { commonName: string; validDays: number; now?: Date }): Promise<GeneratedIdentity> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date((options.now ?? new Date()).getTime() - 5 * 60_000);
  const notAfter = new Date(notBefore.getTime() + options.validDays * 86_400_000);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // a positive serial number
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: [{ CN: [options.commonName] }],
      notBefore,
      notAfter,
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certificatePem: certificate.toString('pem') + '\n', privateKeyPem: toPem('PRIVATE KEY', pkcs8) };
}

export function toPem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Why a certificate or key could not be used; `setting` names the setting that points at the bad file. */
export class IdentityError extends Error {
  constructor(
    readonly setting: string,
    message: string,
    options?: { cause?: Error },
  ) {
    super(message, options);
    this.name = 'IdentityError';
  }
}

/** Reads a certificate (the first one in a PEM file). */
export function parseCertificate(pem: string | Buffer, setting: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (thrown) {
    throw new IdentityError(setting, 'is not a PEM certificate', { cause: thrown instanceof Error ? thrown : undefined });
  }
}

export function parsePrivateKey(pem: string | Buffer, setting: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (thrown) {
    throw new IdentityError(setting, 'is not an unencrypted PEM private key', { cause: thrown instanceof Error ? thrown : undefined });
  }
}

/**
 * Puts a certificate and its key together, checking what the master would otherwise refuse later: that the key
 * belongs to the certificate and that the certificate is valid now.
 */
export function assembleIdentity(certificate: X509Certificate, privateKey: KeyObject, now: Date): WorkerIdentity {
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new IdentityError('WorkerKeyFile', 'is not the private key of the certificate in WorkerCertificateFile');
  }
  if (new Date(certificate.validTo).getTime() < now.getTime()) {
    throw new IdentityError('WorkerCertificateFile', `the certificate expired on ${new Date(certificate.validTo).toISOString()}`);
  }
  if (new Date(certificate.validFrom).getTime() > now.getTime() + 5 * 60_000) {
    throw new IdentityError('WorkerCertificateFile', `the certificate is not valid before ${new Date(certificate.validFrom).toISOString()}`);
  }
  return { certificate, certificateDer: Buffer.from(certificate.raw), privateKey, thumbprints: thumbprintsOf(certificate) };
}
