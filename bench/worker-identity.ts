/**
 * A worker's identity as the worker protocol needs it (contracts/worker-auth.ts): a key pair, a self-signed client
 * certificate and the tokens signed with it. Made independently of the agent's own code, so the tests and the
 * dispatch benchmark check the master against the contract, not against the agent.
 */
import { X509Certificate, createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { SignJWT, importPKCS8, type CryptoKey } from 'jose';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

export interface WorkerIdentity {
  certPem: string;
  keyPem: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
  x5tS256: string;
  derBase64: string;
  signingKey: CryptoKey;
}

/** A worker's key pair and self-signed client certificate, made independently of the agent's own code. */
export async function createWorkerIdentity(
  commonName: string,
  options: { notBefore?: Date; notAfter?: Date; serverAuthOnly?: boolean } = {},
): Promise<WorkerIdentity> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: `CN=${commonName}`,
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: alg,
    extensions: [
      new x509.ExtendedKeyUsageExtension([options.serverAuthOnly ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString('pem');
  const node = new X509Certificate(certPem);
  const der = node.raw;
  return {
    certPem,
    keyPem,
    thumbprintSha1: node.fingerprint.replace(/:/g, '').toLowerCase(),
    thumbprintSha256: node.fingerprint256.replace(/:/g, '').toLowerCase(),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    derBase64: der.toString('base64'),
    signingKey: await importPKCS8(keyPem, 'ES256'),
  };
}

export interface TokenOptions {
  audience?: string;
  issuedAt?: number;
  lifetimeSeconds?: number;
  /** Sign with another key while claiming this identity's certificate. */
  signWith?: CryptoKey;
  withCertificate?: boolean;
}

/** A worker token as contracts/worker-auth.ts describes it; options bend it for the failure tests. */
export async function workerToken(identity: WorkerIdentity, masterUrl: string, options: TokenOptions = {}): Promise<string> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'JWT',
      'x5t#S256': identity.x5tS256,
      ...(options.withCertificate === false ? {} : { x5c: [identity.derBase64] }),
    })
    .setAudience(options.audience ?? masterUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.lifetimeSeconds ?? 120))
    .sign(options.signWith ?? identity.signingKey);
}
