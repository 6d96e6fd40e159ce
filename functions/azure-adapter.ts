import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { limitedBody, PayloadTooLargeError, type ApiRequest, type ApiResponse, type Invocation, type Logger } from './http/api-request.js';
import type { HttpFunction } from './http/define-handler.js';
import type { TriggerMessage } from './queues/queue-function.js';

/**
 * Translates between @azure/functions v4 and the master's own request and response, so the functions run the
 * same in Azure as on the local host. host.json sets the route prefix to "" because the routes already start with
 * `api/` and the dashboard is served at `/`.
 */
export function fromAzureRequest(request: HttpRequest, fn: HttpFunction): ApiRequest {
  return {
    method: request.method,
    url: new URL(request.url),
    params: { ...request.params },
    header: (name) => request.headers.get(name) ?? undefined,
    async body() {
      const declared = Number(request.headers.get('content-length') ?? '0');
      if (declared > fn.maxBodyBytes) throw new PayloadTooLargeError(fn.maxBodyBytes);
      const bytes = Buffer.from(await request.arrayBuffer());
      if (bytes.length > fn.maxBodyBytes) throw new PayloadTooLargeError(fn.maxBodyBytes);
      return bytes;
    },
    stream: () =>
      limitedBody(
        request.body ? Readable.fromWeb(request.body as ReadableStream) : Readable.from([]),
        request.headers.get('content-length') ?? undefined,
        fn.maxBodyBytes,
      ),
    // The platform does not tell a function that its caller left; a claim ends at its wait budget instead.
    signal: new AbortController().signal,
  };
}

export function toAzureResponse(response: ApiResponse): HttpResponseInit {
  return { status: response.status, headers: response.headers ?? {}, ...(response.body !== undefined ? { body: response.body } : {}) };
}

export function invocationOf(context: InvocationContext): Invocation {
  const log: Logger = {
    info: (message, details) => context.log(message, details ?? ''),
    warn: (message, details) => context.warn(message, details ?? ''),
    error: (message, details) => context.error(message, details ?? ''),
  };
  return { invocationId: context.invocationId, functionName: context.functionName, log };
}

/**
 * The queue message Azure's trigger handed over. The host decodes the base64 and, when the text is JSON, the
 * Node worker gives it parsed: it is turned back into text, as the function reads it.
 */
export function triggerMessageOf(entry: unknown, context: InvocationContext): TriggerMessage {
  const metadata = context.triggerMetadata ?? {};
  return {
    messageId: typeof metadata['id'] === 'string' ? metadata['id'] : '',
    dequeueCount: Number(metadata['dequeueCount'] ?? 1),
    text: typeof entry === 'string' ? entry : JSON.stringify(entry),
  };
}
