import { Transform, type Readable } from 'node:stream';

/**
 * The request and response every master function works with, whoever hosts it: the Azure Functions adapter
 * (app.ts) and the local host (local-host/) both translate to and from these. Building @azure/functions'
 * own HttpRequest/HttpResponse costs ~170 µs a call; the worker protocol cannot afford that on every claim.
 */
export interface ApiRequest {
  method: string;
  url: URL;
  /** Route parameters, decoded. */
  params: Record<string, string>;
  /** Header value by lowercase name. */
  header(name: string): string | undefined;
  /** The body; rejects with PayloadTooLargeError past the function's limit. */
  body(): Promise<Buffer>;
  /**
   * The body as it arrives, for bodies too large to hold (project archives): throws PayloadTooLargeError at once
   * when the declared length is past the function's limit, and fails with it past the limit otherwise.
   */
  stream(): Readable;
  /** Aborts when the client goes away (e.g. a worker stops while its claim waits). */
  signal: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  /** A stream is sent as it is read (a project archive from the store). */
  body?: Buffer | string | Readable;
}

export interface Logger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface Invocation {
  invocationId: string;
  functionName: string;
  log: Logger;
}

export class PayloadTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the request body is larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

/** The request body `source`, held to `limitBytes` as it passes; both hosts build ApiRequest.stream() with it. */
export function limitedBody(source: Readable, declaredLength: string | undefined, limitBytes: number): Readable {
  if (Number(declaredLength ?? '0') > limitBytes) throw new PayloadTooLargeError(limitBytes);
  let size = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limitBytes) callback(new PayloadTooLargeError(limitBytes));
      else callback(null, chunk);
    },
  });
  source.once('error', (error) => limited.destroy(error));
  return source.pipe(limited);
}
