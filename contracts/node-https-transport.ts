import { X509Certificate } from 'node:crypto';
import { Agent, request as httpsRequest, type AgentOptions, type RequestOptions } from 'node:https';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { HttpRequestSpec, HttpResponseSpec, HttpTransport } from './client.js';

export interface NodeHttpsTransportOptions {
  /** The master's address, e.g. `https://localhost:8391`. */
  baseUrl: string;
  /**
   * SSIS MasterHttpsCertThumbprint: trust exactly the master certificate with this SHA-1 or SHA-256 thumbprint
   * (hex, any case, colons allowed), instead of the system's certificate authorities. For a self-signed master.
   */
  pinnedThumbprint?: string | undefined;
  /** Extra PEM certificate authorities to trust. */
  ca?: string | undefined;
  /** Headers added to every request (e.g. the worker's token), computed per request. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Give up on a request after this long. @default 150000 */
  timeoutMs?: number;
}

/**
 * HTTPS for the worker agent and the CLI: one keep-alive connection pool reused for every call (a new TLS
 * handshake costs milliseconds; a reused connection almost nothing), and optional pinning of the master's
 * certificate by thumbprint. Plain http:// is accepted for loopback only.
 */
export class NodeHttpsTransport implements HttpTransport {
  readonly #base: URL;
  readonly #agent: Agent | HttpAgent;
  readonly #options: NodeHttpsTransportOptions;

  constructor(options: NodeHttpsTransportOptions) {
    this.#base = new URL(options.baseUrl);
    this.#options = options;
    if (this.#base.protocol === 'http:') {
      if (!['localhost', '127.0.0.1', '[::1]'].includes(this.#base.hostname)) {
        throw new Error(`${options.baseUrl}: the master must be reached over https (http is for loopback only)`);
      }
      this.#agent = new HttpAgent({ keepAlive: true });
      return;
    }
    const pin = options.pinnedThumbprint?.replace(/[\s:]/g, '').toLowerCase();
    const agentOptions = { keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) };
    this.#agent = pin ? new PinnedAgent(agentOptions, pin) : new Agent(agentOptions);
  }

  async request(spec: HttpRequestSpec): Promise<HttpResponseSpec> {
    const url = new URL(spec.path, this.#base);
    const extra = (await this.#options.headers?.()) ?? {};
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<HttpResponseSpec>((resolve, reject) => {
      const req = send(
        url,
        {
          method: spec.method,
          agent: this.#agent,
          headers: { ...extra, ...spec.headers, ...(spec.body ? { 'content-length': String(spec.body.length) } : {}) },
          timeout: this.#options.timeoutMs ?? 150_000,
          ...(spec.signal ? { signal: spec.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${this.#options.timeoutMs ?? 150_000} ms`)));
      req.on('error', reject);
      req.end(spec.body);
    });
  }

  /** Closes idle connections so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }
}

/**
 * Pinning replaces chain validation: the master's certificate is trusted because it is the configured one. Node
 * calls `checkServerIdentity` only for a chain it already trusts, so a self-signed master would be accepted
 * unchecked; instead each new connection is handed to a request only after its certificate matched the pin.
 */
class PinnedAgent extends Agent {
  constructor(
    options: AgentOptions,
    private readonly pin: string,
  ) {
    // No TLS session reuse: a resumed session presents no certificate, and every connection must show its own.
    super({ ...options, rejectUnauthorized: false, maxCachedSessions: 0 });
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options) as TLSSocket;
    const onError = (error: Error): void => callback?.(error, socket);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      const mismatch = checkPin(socket.getPeerCertificate(true), this.pin);
      if (mismatch) {
        socket.destroy();
        callback?.(mismatch, socket);
      } else {
        callback?.(null, socket);
      }
    });
    return undefined;
  }
}

function checkPin(cert: PeerCertificate, pin: string): Error | undefined {
  if (!cert.raw) return new Error('the master presented no certificate');
  const x509 = new X509Certificate(cert.raw);
  const sha1 = x509.fingerprint.replace(/:/g, '').toLowerCase();
  const sha256 = x509.fingerprint256.replace(/:/g, '').toLowerCase();
  if (pin === sha1 || pin === sha256) return undefined;
  return new Error(
    `the master's certificate (SHA-1 ${sha1}) is not the pinned one (MasterHttpsCertThumbprint ${pin})`,
  );
}
