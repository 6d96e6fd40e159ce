import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { workerToken, type TokenOptions, type WorkerIdentity } from '../../bench/worker-identity.js';

export { createWorkerIdentity, workerToken, type TokenOptions, type WorkerIdentity } from '../../bench/worker-identity.js';

export type WorkerCaller = <E extends EndpointSpec>(
  endpoint: E,
  input: EndpointInput<E>,
  token?: TokenOptions,
) => Promise<EndpointOutput<E>>;

/** Calls the worker protocol as this worker, with a fresh token per call, over one pinned keep-alive connection. */
export function workerCaller(identity: WorkerIdentity, masterUrl: string, pinnedThumbprint: string): WorkerCaller & { close(): void } {
  const transport = new NodeHttpsTransport({ baseUrl: masterUrl, pinnedThumbprint });
  const call: WorkerCaller = async (endpoint, input, token) =>
    callEndpoint(transport, endpoint, input, {
      headers: { authorization: `Bearer ${await workerToken(identity, masterUrl, token)}` },
    });
  return Object.assign(call, { close: () => transport.close() });
}
