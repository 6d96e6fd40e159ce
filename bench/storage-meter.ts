import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { bellQueuePrefix } from '../functions/claims/doorbell.js';

/** Storage transactions counted at the wire: every request the queue service answered is one. */
export interface StorageTransactions {
  /** Reads of the workers' own doorbells (a SAS in the URL): the agents' idle cost. */
  doorbellReads: number;
  /** Everything else: the master's queue operations (rings, alarms, the queue triggers' polling, bells created). */
  master: number;
  /** The master's operations by queue (bells counted together) and operation. */
  masterByOperation: Record<string, number>;
}

/**
 * A proxy in front of Azurite's queue service that counts every request through it, so the benchmark sees each
 * storage transaction the master and the agents make, however the SDKs retry or batch. Point a connection string's
 * QueueEndpoint at `endpoint` (the SAS URLs the master hands out then name it too).
 */
export class StorageMeter {
  #doorbellReads = 0;
  readonly #master: Record<string, number> = {};

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(queueServiceUrl: string): Promise<StorageMeter> {
    const target = new URL(queueServiceUrl);
    const server = createServer((req, res) => {
      meter.#count(req);
      const forwarded = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', (error) => res.destroy(error));
      req.pipe(forwarded);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const meter = new StorageMeter(server, `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`);
    return meter;
  }

  transactions(): StorageTransactions {
    const master = Object.values(this.#master).reduce((sum, n) => sum + n, 0);
    return { doorbellReads: this.#doorbellReads, master, masterByOperation: { ...this.#master } };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #count(req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    // /<account>/<queue>[/messages[/<id>]]
    const [, , queue = '', messages] = url.pathname.split('/');
    if (queue.startsWith(bellQueuePrefix) && url.searchParams.has('sig')) {
      this.#doorbellReads++;
      return;
    }
    const name = queue.startsWith(bellQueuePrefix) ? `${bellQueuePrefix}*` : queue || '(account)';
    const peek = url.searchParams.get('peekonly') === 'true' ? ' peek' : '';
    const key = `${req.method} ${name}${messages ? '/messages' : ''}${peek}`;
    this.#master[key] = (this.#master[key] ?? 0) + 1;
  }
}
