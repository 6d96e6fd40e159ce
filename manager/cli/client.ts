import { callEndpoint, type HttpTransport } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import type { Connection } from './config-file.js';
import { fromCallError, usageError } from './errors.js';
import { MasterTransport } from './master-transport.js';

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

export function createMasterApi(connection: Connection, options: { signal?: AbortSignal; timeoutMs?: number } = {}): MasterApi {
  let transport: MasterTransport;
  try {
    transport = new MasterTransport({
      baseUrl: connection.masterUrl,
      pinnedThumbprint: connection.thumbprint,
      ...(options.timeoutMs ? { idleTimeoutMs: options.timeoutMs } : {}),
    });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const headers = { authorization: `Bearer ${connection.apiKey}` };
  return {
    url: connection.masterUrl,
    connection,
    async call(endpoint, input, callOptions = {}) {
      let upload: MasterTransport | undefined;
      if (callOptions.onUploadProgress) {
        upload = new MasterTransport({
          baseUrl: connection.masterUrl,
          pinnedThumbprint: connection.thumbprint,
          onUploadProgress: callOptions.onUploadProgress,
        });
      }
      const via: HttpTransport = upload ?? transport;
      try {
        return await callEndpoint(via, endpoint, input, { headers, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (error) {
        throw fromCallError(error, connection.masterUrl, callOptions.flags, connection.source === 'the environment' ? 'environment' : 'file');
      } finally {
        upload?.close();
      }
    },
    close: () => transport.close(),
  } satisfies MasterApi as MasterApi;
}
