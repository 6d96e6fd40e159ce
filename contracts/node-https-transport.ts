import { X509Certificate } from 'node:crypto';
import { Agent, request as httpsRequest, type AgentOptions, type RequestOptions } from 'node:https';
import { request as httpRequest, Agent as HttpAgent, type ClientRequest } from 'node:http';
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
  /** Give up on a request when nothing moves for this long: no TLS handshake, no byte sent or received. @default 150000 */
  timeoutMs?: number;
}

/** A request body is written in pieces of this size, so upload progress moves and memory stays flat. */
const uploadChunkBytes = 256 * 1024;

/**
 * HTTPS for the worker agent and the CLI: one keep-alive connection pool reused for every call (a new TLS
 * handshake costs milliseconds; a reused connection almost nothing), and optional pinning of the master's
 * certificate by thumbprint, checked on every new connection before any byte of a request is sent. A read (GET)
 * that meets a kept-alive connection the master had just closed is sent once more on a new one. Plain http:// is
 * accepted for loopback only.
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
    const extra = (await this.#options.headers?.()) ?? {};
    try {
      return await this.#send(spec, extra);
    } catch (error) {
      // The master closed a kept-alive connection just as it was reused: a read is safe to send again, once.
      if (spec.method === 'GET' && error instanceof ReusedConnectionReset) return this.#send(spec, extra);
      throw error instanceof ReusedConnectionReset ? error.cause : error;
    }
  }

  #send(spec: HttpRequestSpec, extra: Record<string, string>): Promise<HttpResponseSpec> {
    const url = new URL(spec.path, this.#base);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const timeoutMs = this.#options.timeoutMs ?? 150_000;
    return new Promise<HttpResponseSpec>((resolve, reject) => {
      const req = send(
        url,
        {
          method: spec.method,
          agent: this.#agent,
          headers: { ...extra, ...spec.headers, ...(spec.body ? { 'content-length': String(spec.body.length) } : {}) },
          timeout: timeoutMs,
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
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(req.reusedSocket && error.code === 'ECONNRESET' ? new ReusedConnectionReset(error) : error);
      });
      writeBody(req, spec);
    });
  }

  /** Closes idle connections so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }
}

/** Writes the body piece by piece, waiting for the socket to drain, and reports the progress. */
function writeBody(req: ClientRequest, spec: HttpRequestSpec): void {
  const body = spec.body;
  if (!body || body.length === 0) {
    req.end(body);
    return;
  }
  let sent = 0;
  const writeMore = (): void => {
    while (sent < body.length) {
      const chunk = body.subarray(sent, Math.min(sent + uploadChunkBytes, body.length));
      sent += chunk.length;
      const more = req.write(chunk);
      spec.onUploadProgress?.(sent, body.length);
      if (!more) {
        req.once('drain', writeMore);
        return;
      }
    }
    req.end();
  };
  writeMore();
}

/** A kept-alive connection was reset as it was reused: the request never reached the master. */
class ReusedConnectionReset extends Error {
  constructor(override readonly cause: NodeJS.ErrnoException) {
    super(cause.message, { cause });
    this.name = 'ReusedConnectionReset';
  }
}

/** The master presented a certificate other than the pinned one; nothing was sent to it. */
export class PinnedCertificateMismatch extends Error {
  readonly code = 'ERR_SCALEOUT_CERTIFICATE_PIN';

  constructor(
    /** The presented certificate's thumbprints, lowercase hex. */
    readonly presented: { sha1: string; sha256: string } | undefined,
    /** The pin (MasterHttpsCertThumbprint), lowercase hex. */
    readonly pin: string,
  ) {
    super(
      presented
        ? `the master's certificate (SHA-1 ${presented.sha1}) is not the pinned one (MasterHttpsCertThumbprint ${pin})`
        : 'the master presented no certificate',
    );
    this.name = 'PinnedCertificateMismatch';
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
    let settled = false;
    const settle = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      callback?.(error, socket);
    };
    const onError = (error: Error): void => settle(error);
    // The request is given the socket only after the handshake, so its own timeout cannot cover a master that
    // accepts the connection and never completes TLS: this one does.
    const timeoutMs = options.timeout;
    const onTimeout = (): void => {
      socket.destroy();
      settle(new Error(`no answer from ${options.host ?? 'the master'}:${options.port ?? 443} within ${timeoutMs} ms (TLS handshake)`));
    };
    socket.once('error', onError);
    if (timeoutMs) {
      socket.setTimeout(timeoutMs);
      socket.once('timeout', onTimeout);
    }
    socket.once('secureConnect', () => {
      const mismatch = checkPin(socket.getPeerCertificate(true), this.pin);
      if (mismatch) socket.destroy();
      settle(mismatch ?? null);
    });
    return undefined;
  }
}

function checkPin(cert: PeerCertificate, pin: string): PinnedCertificateMismatch | undefined {
  if (!cert.raw) return new PinnedCertificateMismatch(undefined, pin);
  const x509 = new X509Certificate(cert.raw);
  const sha1 = x509.fingerprint.replace(/:/g, '').toLowerCase();
  const sha256 = x509.fingerprint256.replace(/:/g, '').toLowerCase();
  if (pin === sha1 || pin === sha256) return undefined;
  return new PinnedCertificateMismatch({ sha1, sha256 }, pin);
}
