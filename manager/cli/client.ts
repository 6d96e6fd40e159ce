import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import type { Connection } from './config-file.js';
import { fromCallError, usageError, type CredentialSource } from './errors.js';
import type { TaskConnection } from './task-credential.js';

export interface CallOptions {
  /** Contract field → the option the user typed, for error messages (`body.maxTaskCount` → `--max-tasks`). */
  flags?: Record<string, string>;
  /** Report upload progress (project deploy). */
  onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** One of the master's APIs as one caller: every call's error already turned into a CliError. */
export interface ApiCaller {
  readonly url: string;
  call<E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>, options?: CallOptions): Promise<EndpointOutput<E>>;
  /** Closes the kept-alive connection so the process can exit. */
  close(): void;
}

/** The management API, as the connected user (an API key). */
export interface MasterApi extends ApiCaller {
  readonly connection: Connection;
}

interface ClientOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function createMasterApi(connection: Connection, options: ClientOptions = {}): MasterApi {
  const source: CredentialSource = connection.source === 'the environment' ? 'environment' : 'file';
  const caller = createCaller(connection.masterUrl, connection.thumbprint, connection.apiKey, source, options);
  return { ...caller, connection };
}

/** The task API, as the running package whose credential the worker handed it (contracts/task-api.ts). */
export function createTaskApi(task: TaskConnection, options: ClientOptions = {}): ApiCaller {
  return createCaller(task.masterUrl, task.thumbprint, task.credential, 'task', options);
}

/**
 * HTTPS to the master through the transport the worker agent uses too (contracts/node-https-transport.ts): one
 * kept-alive connection, the system's certificate authorities or exactly the pinned master certificate, checked
 * on every new connection before the credential is sent.
 */
function createCaller(
  url: string,
  thumbprint: string | undefined,
  secret: string,
  source: CredentialSource,
  options: ClientOptions,
): ApiCaller {
  const transport = openTransport(url, thumbprint, options.timeoutMs);
  // An API key goes in X-Api-Key rather than as a Bearer token: App Service authentication (Entra ID) would refuse
  // a Bearer value that is not an Entra token before the master saw it. A task credential stays a Bearer token:
  // /api/v1/task/* is excluded from App Service authentication.
  const headers: Record<string, string> = source === 'task' ? { authorization: `Bearer ${secret}` } : { 'x-api-key': secret };
  return {
    url,
    async call(endpoint, input, callOptions = {}) {
      try {
        return await callEndpoint(transport, endpoint, input, {
          headers,
          // A signal of its own per request: the Ctrl-C signal lives as long as the command, and each request
          // listening on it directly would pile up abort listeners while requests overlap.
          ...(options.signal ? { signal: AbortSignal.any([options.signal]) } : {}),
          ...(callOptions.onUploadProgress ? { onUploadProgress: callOptions.onUploadProgress } : {}),
        });
      } catch (error) {
        throw fromCallError(error, url, callOptions.flags, source);
      }
    },
    close: () => transport.close(),
  };
}

/** The shared transport; an address it refuses (plain http beyond loopback) is the user's to fix. */
function openTransport(masterUrl: string, thumbprint: string | undefined, timeoutMs?: number): NodeHttpsTransport {
  try {
    return new NodeHttpsTransport({ baseUrl: masterUrl, pinnedThumbprint: thumbprint, ...(timeoutMs ? { timeoutMs } : {}) });
  } catch (error) {
    throw usageError((error as Error).message);
  }
}
