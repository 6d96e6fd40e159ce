import { callEndpoint } from '../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../contracts/endpoint.js';
import { NodeHttpsTransport } from '../contracts/node-https-transport.js';
import { workerToken, type WorkerIdentity } from './worker-identity.js';

/** How long a benchmark worker reuses its token, as an agent would (the token lives 120 s). */
const tokenReuseMs = 60_000;

/**
 * A simulated worker agent for the benchmark: its own identity, one keep-alive HTTPS connection to the master,
 * and one token reused for a minute, as the real agent does. It runs no package: it reports each task done at
 * once, so the benchmark measures the master.
 */
export class BenchWorker {
  readonly #transport: NodeHttpsTransport;
  #token: { value: string; madeAt: number } | undefined;

  constructor(
    readonly identity: WorkerIdentity,
    private readonly masterUrl: string,
    pinnedThumbprint: string,
  ) {
    this.#transport = new NodeHttpsTransport({ baseUrl: masterUrl, pinnedThumbprint });
  }

  async call<E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>, signal?: AbortSignal): Promise<EndpointOutput<E>> {
    const now = Date.now();
    if (!this.#token || now - this.#token.madeAt > tokenReuseMs) {
      this.#token = { value: await workerToken(this.identity, this.masterUrl), madeAt: now };
    }
    return callEndpoint(this.#transport, endpoint, input, {
      headers: { authorization: `Bearer ${this.#token.value}` },
      ...(signal ? { signal } : {}),
    });
  }

  close(): void {
    this.#transport.close();
  }
}
