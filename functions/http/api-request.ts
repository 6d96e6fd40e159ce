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
  /** Aborts when the client goes away (e.g. a worker stops while its claim waits). */
  signal: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
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
