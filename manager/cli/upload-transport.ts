import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { HttpRequestSpec, HttpResponseSpec, HttpTransport } from '../../contracts/client.js';
import { checkPinnedCertificate } from './tls-trust.js';

const chunkBytes = 256 * 1024;
/** No byte either way for this long ends the upload (as NodeHttpsTransport's default). */
const idleTimeoutMs = 150_000;

/**
 * A transport for one large upload (a project archive) that reports how much of the body has been written, so
 * `project deploy` can show progress. Same trust rules as contracts/node-https-transport.ts: the system's
 * authorities, or exactly the pinned master certificate; plain http only reaches loopback (checked there first).
 */
export class UploadTransport implements HttpTransport {
  readonly #base: URL;
  readonly #agent: Agent | undefined;

  constructor(
    baseUrl: string,
    pinnedThumbprint: string | undefined,
    private readonly onProgress: (sentBytes: number, totalBytes: number) => void,
  ) {
    this.#base = new URL(baseUrl);
    this.#agent =
      this.#base.protocol === 'https:'
        ? new Agent({
            keepAlive: false,
            ...(pinnedThumbprint ? { rejectUnauthorized: false, checkServerIdentity: checkPinnedCertificate(pinnedThumbprint) } : {}),
          })
        : undefined;
  }

  request(spec: HttpRequestSpec): Promise<HttpResponseSpec> {
    const url = new URL(spec.path, this.#base);
    const body = spec.body ?? new Uint8Array();
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpResponseSpec>((resolve, reject) => {
      const req = send(
        url,
        {
          method: spec.method,
          headers: { ...spec.headers, 'content-length': String(body.length) },
          timeout: idleTimeoutMs,
          ...(this.#agent ? { agent: this.#agent } : {}),
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
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${idleTimeoutMs} ms`)));
      req.on('error', reject);
      let sent = 0;
      const writeMore = (): void => {
        while (sent < body.length) {
          const chunk = body.subarray(sent, Math.min(sent + chunkBytes, body.length));
          sent += chunk.length;
          const more = req.write(chunk);
          this.onProgress(sent, body.length);
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

  close(): void {
    this.#agent?.destroy();
  }
}
