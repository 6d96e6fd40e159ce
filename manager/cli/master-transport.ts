import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { HttpRequestSpec, HttpResponseSpec, HttpTransport } from '../../contracts/client.js';
import { pinMismatch, pinnedTlsOptions, probeTls } from './tls-trust.js';

export interface MasterTransportOptions {
  /** The master's address, e.g. `https://localhost:8391`. */
  baseUrl: string;
  /** Trust exactly the master certificate with this SHA-1 or SHA-256 thumbprint (a self-signed one-box master). */
  pinnedThumbprint?: string | undefined;
  /** Give up when nothing moves for this long. @default 150000 */
  idleTimeoutMs?: number;
  /** Called as a request body is written (project deploy shows upload progress). */
  onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
}

const chunkBytes = 256 * 1024;

/**
 * The CLI's HTTPS to the master: one keep-alive pool, the system's certificate authorities, or exactly the pinned
 * master certificate (checked before anything is sent, and again by TLS on every connection), and upload
 * progress. Plain http reaches loopback only.
 */
export class MasterTransport implements HttpTransport {
  readonly #base: URL;
  readonly #options: MasterTransportOptions;
  #agent: Promise<HttpAgent | HttpsAgent> | undefined;
  #ready: HttpAgent | HttpsAgent | undefined;

  constructor(options: MasterTransportOptions) {
    this.#base = new URL(options.baseUrl);
    this.#options = options;
    if (this.#base.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(this.#base.hostname)) {
      throw new Error(`${options.baseUrl}: the master must be reached over https (http is for loopback only)`);
    }
  }

  async request(spec: HttpRequestSpec): Promise<HttpResponseSpec> {
    const agent = await this.#agentFor();
    try {
      return await this.#send(agent, spec);
    } catch (error) {
      // The master closed a kept-alive connection just as it was reused: a read is safe to send again, once.
      if (spec.method === 'GET' && (error as { reusedSocketReset?: boolean }).reusedSocketReset) return this.#send(agent, spec);
      throw error;
    }
  }

  #send(agent: HttpAgent | HttpsAgent, spec: HttpRequestSpec): Promise<HttpResponseSpec> {
    const url = new URL(spec.path, this.#base);
    const body = spec.body ?? new Uint8Array();
    const timeoutMs = this.#options.idleTimeoutMs ?? 150_000;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpResponseSpec>((resolve, reject) => {
      const req = send(
        url,
        {
          method: spec.method,
          agent,
          headers: { ...spec.headers, ...(spec.body ? { 'content-length': String(body.length) } : {}) },
          timeout: timeoutMs,
          ...(spec.signal ? { signal: spec.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(req.reusedSocket && error.code === 'ECONNRESET' ? Object.assign(error, { reusedSocketReset: true }) : error);
      });
      let sent = 0;
      const writeMore = (): void => {
        while (sent < body.length) {
          const chunk = body.subarray(sent, Math.min(sent + chunkBytes, body.length));
          sent += chunk.length;
          const more = req.write(chunk);
          this.#options.onUploadProgress?.(sent, body.length);
          if (!more) {
            req.once('drain', writeMore);
            return;
          }
        }
        req.end();
      };
      writeMore();
    });
  }

  /** Closes idle connections so the process can exit. */
  close(): void {
    this.#ready?.destroy();
  }

  #agentFor(): Promise<HttpAgent | HttpsAgent> {
    this.#agent ??= this.#createAgent().then((agent) => (this.#ready = agent));
    return this.#agent;
  }

  async #createAgent(): Promise<HttpAgent | HttpsAgent> {
    if (this.#base.protocol === 'http:') return new HttpAgent({ keepAlive: true });
    const pin = this.#options.pinnedThumbprint;
    if (!pin) return new HttpsAgent({ keepAlive: true });
    // Look at the certificate before sending anything (the API key travels in every request).
    const probe = await probeTls(this.#base, 30_000);
    const mismatch = pinMismatch(pin, probe.certificate);
    if (mismatch) throw mismatch;
    return new HttpsAgent({ keepAlive: true, ...pinnedTlsOptions(pin, probe.certificate) });
  }
}
