import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { problemContentType } from '../../../contracts/endpoint.js';
import { workerAuthFailures, workerTokenMaxLifetimeSeconds } from '../../../contracts/worker-auth.js';
import type { ClaimedTask } from '../../../contracts/worker-protocol.js';
import { x509 } from '../../../worker-agent/identity/x509.js';

/** A TLS certificate for 127.0.0.1, as a self-signed master would have. */
export async function serverCertificate(): Promise<{ cert: string; key: string; sha256: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1];
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: [{ CN: ['127.0.0.1'] }],
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const cert = certificate.toString('pem');
  return {
    cert,
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`,
    sha256: new X509Certificate(cert).fingerprint256.replace(/:/g, ''),
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  tokenHeader: Record<string, unknown>;
  tokenClaims: Record<string, unknown>;
}

/**
 * A stand-in for the master's worker endpoints over real HTTPS on 127.0.0.1, until the real master exists. It checks
 * every request's token as worker-auth.ts describes (signature against the registered certificate, audience,
 * lifetime) and answers like the contract says.
 */
export class HttpsMaster {
  readonly requests: RecordedRequest[] = [];
  readonly registered = new Map<string, string>();
  readonly tasks: ClaimedTask[] = [];
  readonly archives = new Map<number, Buffer>();
  readonly completions: { taskId: number; body: Record<string, unknown> }[] = [];
  readonly events: { taskId: number; body: { attemptNumber: number; events: { message: string; source: string }[] } }[] = [];
  workerEnabled = true;
  tlsHandshakes = 0;
  #server: Server | undefined;
  url = '';
  tls: { cert: string; key: string; sha256: string } | undefined;

  /** Registers a worker by its certificate, as `scaleout worker add --cert` does. */
  register(certificatePem: string): void {
    const der = new X509Certificate(certificatePem).raw;
    this.registered.set(createHash('sha256').update(der).digest('base64url'), certificatePem);
  }

  async start(): Promise<void> {
    this.tls = await serverCertificate();
    const server = createServer({ cert: this.tls.cert, key: this.tls.key, keepAlive: true }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void this.#handle(req.method ?? 'GET', req.url ?? '/', req.headers.authorization, Buffer.concat(chunks)).then(({ status, body, type }) => {
          res.writeHead(status, { 'content-type': type });
          res.end(body);
        });
      });
    });
    server.on('secureConnection', () => (this.tlsHandshakes += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  async #handle(method: string, path: string, authorization: string | undefined, raw: Buffer): Promise<{ status: number; body: Buffer | string; type: string }> {
    const refuse = (detail: string) => ({
      status: 401,
      type: problemContentType,
      body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail }),
    });
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    if (!token) return refuse(workerAuthFailures.missing);
    const header = decodeProtectedHeader(token) as Record<string, unknown>;
    const certificate = this.registered.get(String(header['x5t#S256']));
    if (!certificate) return refuse(workerAuthFailures.unknownCertificate);
    let claims: Record<string, unknown>;
    try {
      const key = await importX509(certificate, String(header.alg));
      ({ payload: claims } = await jwtVerify(token, key, { audience: this.url }));
    } catch {
      return refuse(workerAuthFailures.badSignature);
    }
    if (Number(claims.exp) - Number(claims.iat) > workerTokenMaxLifetimeSeconds) return refuse(workerAuthFailures.tooLong);
    const body: unknown = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    this.requests.push({ method, path, body, tokenHeader: header, tokenClaims: claims });
    const json = (value: unknown, status = 200) => ({ status, type: 'application/json', body: JSON.stringify(value) });

    let match: RegExpExecArray | null;
    if (path === '/api/v1/agent/heartbeat') {
      const { tasks } = body as { tasks: { taskId: number; attemptNumber: number }[] };
      return json({ leaseMs: 60_000, renewed: tasks, lost: [], cancel: [], workerEnabled: this.workerEnabled });
    }
    if (path === '/api/v1/agent/tasks/claim') {
      const { freeSlots } = body as { freeSlots: number };
      return json({ tasks: this.workerEnabled ? this.tasks.splice(0, freeSlots) : [], leaseMs: 60_000 });
    }
    if ((match = /^\/api\/v1\/agent\/tasks\/(\d+)\/events$/.exec(path))) {
      const events = body as (typeof this.events)[number]['body'];
      this.events.push({ taskId: Number(match[1]), body: events });
      return json({ accepted: events.events.length }, 202);
    }
    if ((match = /^\/api\/v1\/agent\/tasks\/(\d+)\/complete$/.exec(path))) {
      this.completions.push({ taskId: Number(match[1]), body: body as Record<string, unknown> });
      return json({ executionStatus: 7, executionStatusName: 'succeeded', alreadyRecorded: false });
    }
    if ((match = /^\/api\/v1\/agent\/archives\/(\d+)$/.exec(path))) {
      const archive = this.archives.get(Number(match[1]));
      if (archive) return { status: 200, type: 'application/zip', body: archive };
    }
    return { status: 404, type: problemContentType, body: JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: path }) };
  }
}
