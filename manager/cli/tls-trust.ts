import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { normalizeThumbprint } from '../../contracts/thumbprint.js';


export interface PresentedCertificate {
  /** The certificate itself, PEM. */
  pem: string;
  subject: string;
  issuer: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
  notAfter: string;
}

export function describeCertificate(raw: Buffer): PresentedCertificate {
  const x509 = new X509Certificate(raw);
  return {
    pem: x509.toString(),
    subject: x509.subject.replace(/\n/g, ', '),
    issuer: x509.issuer.replace(/\n/g, ', '),
    thumbprintSha1: normalizeThumbprint(x509.fingerprint),
    thumbprintSha256: normalizeThumbprint(x509.fingerprint256),
    notAfter: new Date(x509.validTo).toISOString(),
  };
}

export interface TlsProbe {
  /** The system's certificate authorities trust it for this host name. */
  trusted: boolean;
  /** Why not, as TLS says it (`self-signed certificate`). */
  reason: string | undefined;
  certificate: PresentedCertificate;
}

/**
 * Opens a TLS connection without trusting anything, to see which certificate the master presents and whether the
 * system would trust it. `connect` uses it to offer pinning a self-signed one-box master.
 */
export function probeTls(url: URL, timeoutMs: number): Promise<TlsProbe> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  return new Promise<TlsProbe>((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...(isIp ? {} : { servername: host }) });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      const raw = peer?.raw;
      socket.end();
      if (!raw) {
        reject(new Error('the master presented no certificate'));
        return;
      }
      const reason = socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError);
      resolve({ trusted: socket.authorized, reason, certificate: describeCertificate(raw) });
    });
  });
}
