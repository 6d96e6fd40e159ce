import { X509Certificate } from 'node:crypto';
import type { CertificateSummary } from '../../contracts/management/views.js';
import type { CertificateIdentity } from '../catalog/catalog.js';
import { ValidationError } from '../catalog/errors.js';

const clientAuthOid = '1.3.6.1.5.5.7.3.2';

/** A worker certificate from PEM text or base64 DER, or a ValidationError saying why it is not one. */
export function parseWorkerCertificate(text: string): X509Certificate {
  const trimmed = text.trim();
  try {
    return trimmed.startsWith('-----BEGIN')
      ? new X509Certificate(trimmed)
      : new X509Certificate(Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'));
  } catch {
    throw new ValidationError('certificate', 'not an X.509 certificate in PEM or base64 DER form');
  }
}

/**
 * What Scale Out Manager's "validate" step checks: the certificate is current and may authenticate a client.
 * (No chain check: a worker certificate is trusted because an administrator registers it, as in SSIS.)
 */
export function checkWorkerCertificate(certificate: X509Certificate, now: number): void {
  const notBefore = Date.parse(certificate.validFrom);
  const notAfter = Date.parse(certificate.validTo);
  if (notAfter < now) throw new ValidationError('certificate', `expired on ${new Date(notAfter).toISOString()}`);
  if (notBefore > now) throw new ValidationError('certificate', `not valid before ${new Date(notBefore).toISOString()}`);
  if (!allowsClientAuth(certificate)) {
    throw new ValidationError('certificate', 'its extended key usage does not allow client authentication');
  }
  if (certificate.publicKey.asymmetricKeyType !== 'ec' && certificate.publicKey.asymmetricKeyType !== 'rsa') {
    throw new ValidationError('certificate', `a ${certificate.publicKey.asymmetricKeyType} key cannot sign worker tokens; use EC or RSA`);
  }
}

/** What the catalog keeps of a worker's certificate. */
export function certificateIdentityOf(certificate: X509Certificate): Required<CertificateIdentity> {
  const summary = summarizeCertificate(certificate);
  return {
    thumbprintSha1: summary.thumbprintSha1,
    thumbprintSha256: summary.thumbprintSha256,
    pem: certificate.toString(),
    notAfter: Date.parse(certificate.validTo),
  };
}

/** Node lists the extended key usages in `keyUsage`; none listed means any use. */
function allowsClientAuth(certificate: X509Certificate): boolean {
  const usages = certificate.keyUsage;
  return usages === undefined || usages.length === 0 || usages.includes(clientAuthOid);
}

export function summarizeCertificate(certificate: X509Certificate): CertificateSummary {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails;
  const keyAlgorithm =
    key.asymmetricKeyType === 'ec'
      ? `EC ${details?.namedCurve ?? ''}`.trim()
      : `${(key.asymmetricKeyType ?? 'unknown').toUpperCase()}${details?.modulusLength ? ` ${details.modulusLength}` : ''}`;
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    thumbprintSha1: certificate.fingerprint.replace(/:/g, '').toLowerCase(),
    thumbprintSha256: certificate.fingerprint256.replace(/:/g, '').toLowerCase(),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: new Date(certificate.validTo).toISOString(),
    keyAlgorithm,
    clientAuth: allowsClientAuth(certificate),
  };
}

/** The certificate's common name: the worker's machine name when none is given. */
export function commonName(certificate: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
}
