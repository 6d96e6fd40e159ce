import * as z from 'zod';

/**
 * How every HTTP boundary is described: once, here, with zod. The master's function table, the OpenAPI
 * document and every client (worker agent, CLI, dashboard) read these descriptions, so a route, a field or a
 * limit cannot differ between the two ends.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Roles follow SSISDB: admin (ssis_admin), executor (ssis_cluster_executor), reader. */
export const ApiKeyRole = z.enum(['reader', 'executor', 'admin']);
export type ApiKeyRole = z.infer<typeof ApiKeyRole>;

const roleRank: Record<ApiKeyRole, number> = { reader: 0, executor: 1, admin: 2 };

/** Each role may do what the roles below it may: an admin runs packages, an executor reads. */
export function roleIncludes(role: ApiKeyRole, required: ApiKeyRole): boolean {
  return roleRank[role] >= roleRank[required];
}

/** Who may call an endpoint. */
export type Access =
  /** A registered worker agent, by a JWT signed with its certificate's key (see worker-auth.ts). */
  | { kind: 'worker' }
  /** An API key (or an Entra ID principal) with at least this role. */
  | { kind: 'management'; role: ApiKeyRole }
  /** An enrollment token (`scaleout worker token create`): `scaleout-worker join` registering a new worker. */
  | { kind: 'enrollment' }
  /** A running package's task-scoped credential: its own execution's children, nothing else (task-api.ts). */
  | { kind: 'task' }
  /** Anyone: the dashboard's files, the OpenAPI document. */
  | { kind: 'public' };

/** A body or response that is bytes, not JSON. */
export interface BinaryContent {
  binary: string;
}

export interface EndpointSpec {
  /** Unique; also the Azure Function's name. */
  operationId: string;
  method: HttpMethod;
  /** Under the `/api` route prefix, with `{name}` path parameters, e.g. `/v1/workers/{workerAgentId}`. */
  path: string;
  summary: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType | BinaryContent;
  response: z.ZodType | BinaryContent | null;
  /** @default 200 (204 when `response` is null) */
  status?: number;
  /**
   * A management write that creates something: it takes an Idempotency-Key (idempotency-key.ts), and a client
   * sends one per user action and may retry the call with it when the answer was lost.
   */
  idempotent?: true;
}

/** Whether a management caller with `role` may call `endpoint` (what the master checks, for clients to hide what it would refuse). */
export function roleMayCall(role: ApiKeyRole, endpoint: EndpointSpec): boolean {
  return endpoint.access.kind === 'public' || (endpoint.access.kind === 'management' && roleIncludes(role, endpoint.access.role));
}

export function defineEndpoint<const E extends EndpointSpec>(endpoint: E): E {
  return endpoint;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : T extends BinaryContent ? Uint8Array : undefined;
type InferInput<T> = T extends z.ZodType ? z.input<T> : T extends BinaryContent ? Uint8Array : undefined;

/** What a caller passes to call an endpoint. */
export type EndpointInput<E extends EndpointSpec> = (E['params'] extends z.ZodObject ? { params: z.input<E['params']> } : object) &
  (E['query'] extends z.ZodObject ? { query?: z.input<E['query']> } : object) &
  (E['body'] extends z.ZodType | BinaryContent ? { body: InferInput<E['body']> } : object);

/** What an endpoint answers on success. */
export type EndpointOutput<E extends EndpointSpec> = E['response'] extends null ? undefined : Infer<E['response']>;

export const apiRoutePrefix = '/api';

/** The URL path of a call, path parameters filled in and encoded. */
export function endpointPath(endpoint: EndpointSpec, params: Record<string, string | number> = {}): string {
  return (
    apiRoutePrefix +
    endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`${endpoint.operationId}: path parameter '${name}' is missing`);
      return encodeURIComponent(String(value));
    })
  );
}

export function isBinary(content: EndpointSpec['body'] | EndpointSpec['response']): content is BinaryContent {
  return typeof content === 'object' && content !== null && 'binary' in content;
}

/**
 * RFC 9457 problem details: every error the master returns. `errors` names each bad field and why.
 */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

export const problemContentType = 'application/problem+json';
