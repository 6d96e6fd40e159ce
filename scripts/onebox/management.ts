import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';

/** Calls the management API, as the CLI and the dashboard do: over HTTPS, the master's certificate pinned. */
export type ManagementApi = (<E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>) => Promise<EndpointOutput<E>>) & {
  close(): void;
};

export function managementApi(masterUrl: string, masterThumbprint: string, apiKey: string): ManagementApi {
  const transport = new NodeHttpsTransport({ baseUrl: masterUrl, pinnedThumbprint: masterThumbprint });
  const call = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
    callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${apiKey}` } });
  return Object.assign(call, { close: () => transport.close() });
}
