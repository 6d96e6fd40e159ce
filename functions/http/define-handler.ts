import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { isBinary, type BinaryContent, type EndpointOutput, type EndpointSpec, type HttpMethod } from '../../contracts/endpoint.js';
import type { AuthenticatedWorker } from '../auth/worker-authenticator.js';
import type { ManagementCaller } from '../auth/management-authenticator.js';
import { CallerPermissions } from '../auth/caller-permissions.js';
import type { TaskCaller } from '../auth/task-credentials.js';
import { authenticateEnrollment, type EnrollingCaller } from '../auth/enrollment-tokens.js';
import type { MasterServices } from '../master-services.js';
import { jsonResponse, type ApiRequest, type ApiResponse, type Invocation } from './api-request.js';
import { IdempotentRequest, readIdempotencyKey } from './idempotent-request.js';
import { parseInput } from './parse-input.js';

type Parsed<T> = T extends z.ZodType ? z.output<T> : T extends BinaryContent ? Readable : undefined;

type CallerOf<E extends EndpointSpec> = E['access'] extends { kind: 'worker' }
  ? AuthenticatedWorker
  : E['access'] extends { kind: 'management' }
    ? ManagementCaller
    : E['access'] extends { kind: 'task' }
      ? TaskCaller
      : E['access'] extends { kind: 'enrollment' }
        ? EnrollingCaller
        : undefined;

export interface HandlerInput<E extends EndpointSpec> {
  params: Parsed<E['params']>;
  query: Parsed<E['query']>;
  body: Parsed<E['body']>;
  caller: CallerOf<E>;
  /** A management caller's object permissions, read when first asked. */
  permissions: E['access'] extends { kind: 'management' } ? CallerPermissions : undefined;
  request: ApiRequest;
  invocation: Invocation;
  /** With an Idempotency-Key (an `idempotent` endpoint): hand its guard to the catalog write. */
  idempotency: IdempotentRequest | undefined;
}

/** A JSON endpoint returns its output; a binary one returns the response itself (bytes and headers). */
type HandlerOutput<E extends EndpointSpec> = E['response'] extends BinaryContent ? ApiResponse : EndpointOutput<E>;

/** One HTTP function of the master, as the function table lists it. */
export interface HttpFunction {
  kind: 'http';
  name: string;
  method: HttpMethod;
  /** Route template without the leading slash, e.g. `api/v1/workers/{workerAgentId}`. */
  route: string;
  maxBodyBytes: number;
  handler(request: ApiRequest, services: MasterServices, invocation: Invocation): Promise<ApiResponse>;
}

/** Request bodies above this are refused unless an endpoint allows more (project archives do). */
export const defaultMaxBodyBytes = 4 * 1024 * 1024;

/**
 * Turns an endpoint's contract and its implementation into an HTTP function: authenticate the caller as the
 * endpoint requires, check params, query and body against the contract (4xx naming the field otherwise),
 * call the implementation, answer with the contract's status. Errors become problem+json in the host adapter.
 */
export function defineHandler<E extends EndpointSpec>(
  endpoint: E,
  implementation: (input: HandlerInput<E>, services: MasterServices) => Promise<HandlerOutput<E>>,
  options: {
    maxBodyBytes?: number;
    /**
     * An `idempotent` endpoint's answer made again from what its write recorded with the key, for a retry of a
     * request whose key an older master recorded without its answer.
     */
    replay?: (result: Record<string, unknown>, services: MasterServices) => Promise<HandlerOutput<E>>;
  } = {},
): HttpFunction {
  const { replay } = options;
  if (endpoint.idempotent && (endpoint.access.kind !== 'management' || !replay || isBinary(endpoint.response) || endpoint.response === null)) {
    throw new Error(`${endpoint.operationId}: an idempotent endpoint is a management write with a JSON answer and a replay`);
  }
  return {
    kind: 'http',
    name: endpoint.operationId,
    method: endpoint.method,
    route: `api${endpoint.path}`,
    maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
    async handler(request, services, invocation) {
      let caller: AuthenticatedWorker | ManagementCaller | TaskCaller | EnrollingCaller | undefined;
      switch (endpoint.access.kind) {
        case 'worker':
          caller = await services.workerAuth.authenticate(request.header('authorization'));
          break;
        case 'management':
          caller = await services.managementAuth.authenticate(request, endpoint.access.role);
          break;
        case 'task':
          caller = await services.taskCredentials.authenticate(request.header('authorization'));
          break;
        case 'enrollment':
          caller = await authenticateEnrollment(services.catalog, services.clock, request.header('authorization'));
          break;
        case 'public':
          caller = undefined;
          break;
      }
      const key = endpoint.idempotent ? readIdempotencyKey(request) : undefined;
      const input = await parseInput(endpoint, request);
      const idempotency =
        key === undefined ? undefined : new IdempotentRequest((caller as ManagementCaller).actor, key, endpoint, input, services.catalog);
      const status = endpoint.status ?? 200;
      // A JSON request's write finds its key already recorded in its own transaction, rolls back and replays
      // below, so the first try costs no lookup; an archive is looked up first, so that it is not stored again.
      if (idempotency && isBinary(endpoint.body)) {
        const earlier = await idempotency.earlier();
        if (earlier) return idempotency.replay(earlier, status, (result) => replay!(result, services), invocation);
      }
      let output: HandlerOutput<E>;
      try {
        const permissions = endpoint.access.kind === 'management' ? new CallerPermissions(services.catalog, caller as ManagementCaller) : undefined;
        output = await implementation({ ...input, caller, permissions, request, invocation, idempotency } as unknown as HandlerInput<E>, services);
      } catch (error) {
        // Another request with the same key may have committed first (its record then refused this write).
        const earlier = await idempotency?.earlier().catch(() => undefined);
        if (earlier) return idempotency!.replay(earlier, status, (result) => replay!(result, services), invocation);
        throw error;
      }
      if (idempotency) {
        // The body the write kept with its key (IdempotentRequest.guard), which a replay sends again.
        if (idempotency.keptAnswer === undefined) throw new Error(`${endpoint.operationId}: its write kept no answer with the Idempotency-Key`);
        return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: idempotency.keptAnswer };
      }
      if (isBinary(endpoint.response)) return output as ApiResponse;
      if (endpoint.response === null) return { status: endpoint.status ?? 204 };
      return jsonResponse(endpoint.status ?? 200, output);
    },
  };
}
