import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import type { Connection } from './config-file.js';
import { fromCallError, usageError } from './errors.js';

export interface CallOptions {
  /** Contract field → the option the user typed, for error messages (`body.maxTaskCount` → `--max-tasks`). */
  flags?: Record<string, string>;
  /** Report upload progress (project deploy). */
  onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** The master's management API, as the connected user: every call's error already turned into a CliError. */
export interface MasterApi {
  readonly url: string;
  readonly connection: Connection;
  call<E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>, options?: CallOptions): Promise<EndpointOutput<E>>;
  /** Closes the kept-alive connection so the process can exit. */
  close(): void;
}

/**
 * HTTPS to the master through the transport the worker agent uses too (contracts/node-https-transport.ts): one
 * kept-alive connection, the system's certificate authorities or exactly the pinned master certificate, checked
 * on every new connection before the API key is sent.
 */
export function createMasterApi(connection: Connection, options: { signal?: AbortSignal; timeoutMs?: number } = {}): MasterApi {
  const transport = openTransport(connection.masterUrl, connection.thumbprint, options.timeoutMs);
  const headers = { authorization: `Bearer ${connection.apiKey}` };
  return {
    url: connection.masterUrl,
    connection,
    async call(endpoint, input, callOptions = {}) {
      try {
        return await callEndpoint(transport, endpoint, input, {
          headers,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(callOptions.onUploadProgress ? { onUploadProgress: callOptions.onUploadProgress } : {}),
        });
      } catch (error) {
        throw fromCallError(error, connection.masterUrl, callOptions.flags, connection.source === 'the environment' ? 'environment' : 'file');
      }
    },
    close: () => transport.close(),
  } satisfies MasterApi as MasterApi;
}

/** The shared transport; an address it refuses (plain http beyond loopback) is the user's to fix. */
export function openTransport(masterUrl: string, thumbprint: string | undefined, timeoutMs?: number): NodeHttpsTransport {
  try {
    return new NodeHttpsTransport({ baseUrl: masterUrl, pinnedThumbprint: thumbprint, ...(timeoutMs ? { timeoutMs } : {}) });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}
