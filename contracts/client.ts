import * as z from 'zod';
import {
  endpointPath,
  isBinary,
  Problem,
  type EndpointInput,
  type EndpointOutput,
  type EndpointSpec,
} from './endpoint.js';
import { describeFieldErrors, inUserWords, type FieldError } from './field-errors.js';
import { idempotencyKeyHeader, newIdempotencyKey } from './idempotency-key.js';

/** One HTTP exchange. The agent and CLI use node-https-transport.ts; the dashboard wraps `fetch`. */
export interface HttpTransport {
  request(request: HttpRequestSpec): Promise<HttpResponseSpec>;
}

export interface HttpRequestSpec {
  method: string;
  /** Path and query, e.g. `/api/v1/executions?limit=10`. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Abort the request (e.g. a claim held open) when this fires. */
  signal?: AbortSignal;
  /** Called as the body is sent (`project deploy` shows the upload's progress); a transport may not support it. */
  onUploadProgress?: (sentBytes: number, totalBytes: number) => void;
}

export interface HttpResponseSpec {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The master answered with an error; `problem` is its RFC 9457 body when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    readonly operationId: string,
  ) {
    super(problem ? problem.detail : `${operationId}: HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** The master's answer did not match the contract: the two ends run different versions. */
export class ContractError extends Error {
  constructor(operationId: string, issues: string) {
    super(`${operationId}: the master's answer does not match this client's contract: ${issues}`);
    this.name = 'ContractError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Calls an endpoint: checks the input against the contract (a bad value fails here, naming the field, before
 * anything is sent), sends it, and checks the answer against the contract too.
 */
export async function callEndpoint<E extends EndpointSpec>(
  transport: HttpTransport,
  endpoint: E,
  input: EndpointInput<E>,
  options: {
    headers?: Record<string, string>;
    signal?: AbortSignal;
    onUploadProgress?: HttpRequestSpec['onUploadProgress'];
    /** An `idempotent` endpoint's key for this user action; a new one when omitted. */
    idempotencyKey?: string;
    /**
     * The body is sent as it is, unchecked: for a body its maker builds to the contract by construction, and so
     * large and frequent that checking it costs its sender more than the rest of the call (the agent's batches of
     * 2,000 event lines). The master checks it in any case.
     */
    bodyBuiltToContract?: boolean;
  } = {},
): Promise<EndpointOutput<E>> {
  const { params, query, body } = input as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
  const parsedParams = endpoint.params ? parseOrThrow(endpoint.params, params ?? {}, endpoint.operationId, 'params') : {};
  let path = endpointPath(endpoint, parsedParams as Record<string, string | number>);
  if (endpoint.query && query) {
    const parsedQuery = parseOrThrow(endpoint.query, query, endpoint.operationId, 'query') as Record<string, unknown>;
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(parsedQuery)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
    }
    if ([...search].length > 0) path += `?${search.toString()}`;
  }
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
  let payload: Uint8Array | undefined;
  if (endpoint.body !== undefined) {
    if (isBinary(endpoint.body)) {
      headers['content-type'] = endpoint.body.binary;
      payload = body as Uint8Array;
    } else {
      headers['content-type'] = 'application/json';
      const checked = options.bodyBuiltToContract ? body : parseOrThrow(endpoint.body, body, endpoint.operationId, 'body');
      payload = encoder.encode(JSON.stringify(checked));
    }
  }
  if (endpoint.idempotent) headers[idempotencyKeyHeader.toLowerCase()] = options.idempotencyKey ?? newIdempotencyKey();
  const request: HttpRequestSpec = {
    method: endpoint.method,
    path,
    headers,
    ...(payload ? { body: payload } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onUploadProgress ? { onUploadProgress: options.onUploadProgress } : {}),
  };
  const response = endpoint.idempotent ? await sendRetryingLostAnswers(transport, request) : await transport.request(request);
  if (response.status >= 400) {
    let problem: Problem | undefined;
    try {
      const parsed = Problem.safeParse(JSON.parse(decoder.decode(response.body)));
      if (parsed.success) problem = parsed.data;
    } catch {
      // Not JSON: a proxy or the platform answered; the status says enough.
    }
    throw new ApiError(response.status, problem, endpoint.operationId);
  }
  if (endpoint.response === null) return undefined as EndpointOutput<E>;
  if (isBinary(endpoint.response)) return response.body as EndpointOutput<E>;
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(response.body));
  } catch {
    throw new ContractError(endpoint.operationId, 'the body is not JSON');
  }
  const parsed = endpoint.response.safeParse(json);
  if (!parsed.success) throw new ContractError(endpoint.operationId, z.prettifyError(parsed.error));
  return parsed.data as EndpointOutput<E>;
}

/** A transport's error when a request got no answer at all (the dashboard's fetch: the master is unreachable). */
export class NoAnswerError extends Error {}

/** Node's errors for a connection refused, reset or dropped before the answer came. */
const noAnswerCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

/** Waits before each new try of an idempotent call whose answer was lost: about 7 s in all, a master's restart. */
const lostAnswerRetryDelaysMs = [250, 1000, 2000, 4000];

/**
 * Sends an idempotent call, and again with the same Idempotency-Key when no answer came, or a 503 (the master's
 * catalog lost its connection at the commit, or the platform is starting it): the master may have done it, and the
 * key makes it answer that instead of doing it twice.
 */
async function sendRetryingLostAnswers(transport: HttpTransport, request: HttpRequestSpec): Promise<HttpResponseSpec> {
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await transport.request(request);
      const delayMs = lostAnswerRetryDelaysMs[attempt];
      if (response.status !== 503 || delayMs === undefined || request.signal?.aborted) return response;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    } catch (error) {
      const noAnswer = error instanceof NoAnswerError || noAnswerCodes.has(String((error as { code?: unknown } | null)?.code));
      const delayMs = lostAnswerRetryDelaysMs[attempt];
      if (!noAnswer || delayMs === undefined || request.signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Thrown before sending: the caller's own input breaks the contract. */
export class InputError extends Error {
  constructor(
    readonly operationId: string,
    readonly issues: FieldError[],
  ) {
    super(describeFieldErrors(issues));
    this.name = 'InputError';
  }
}

function parseOrThrow(schema: z.ZodType, value: unknown, operationId: string, part: string): unknown {
  const parsed = schema.safeParse(value, { error: inUserWords });
  if (parsed.success) return parsed.data;
  throw new InputError(operationId, issuesOf(parsed.error, part));
}

/** zod issues as `{ field, reason }`, the field as a dotted path (`body.parameters.BatchSize`). */
export function issuesOf(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.') || (prefix ?? 'input'),
    reason: issue.message,
  }));
}
