import * as z from 'zod';
import { idempotencyKeyHeader, idempotencyKeyRetentionMs, maxIdempotencyKeyLength } from './idempotency-key.js';
import { apiRoutePrefix, defineEndpoint, isBinary, Problem, problemContentType, type EndpointSpec } from './endpoint.js';

/**
 * The OpenAPI 3.1 document of the master, generated from the same zod contracts the master and its clients run
 * on, so it cannot drift from them.
 */
export const getOpenApiDocument = defineEndpoint({
  operationId: 'getOpenApiDocument',
  method: 'GET',
  path: '/v1/openapi.json',
  summary: 'This API, as an OpenAPI 3.1 document.',
  access: { kind: 'public' },
  response: z.record(z.string(), z.unknown()),
});

type JsonSchema = Record<string, unknown>;

export function buildOpenApiDocument(endpoints: readonly EndpointSpec[], info: { version: string; serverUrl?: string }): JsonSchema {
  const requests = z.registry<{ id: string }>();
  const responses = z.registry<{ id: string }>();
  const requestId = (e: EndpointSpec) => `${capitalize(e.operationId)}Request`;
  const responseId = (e: EndpointSpec) => `${capitalize(e.operationId)}Response`;
  for (const endpoint of endpoints) {
    if (endpoint.body && !isBinary(endpoint.body) && !requests.has(endpoint.body)) requests.add(endpoint.body, { id: requestId(endpoint) });
    if (endpoint.response && !isBinary(endpoint.response) && !responses.has(endpoint.response)) {
      responses.add(endpoint.response, { id: responseId(endpoint) });
    }
  }
  responses.add(Problem, { id: 'Problem' });
  const schemas = {
    ...components(requests, 'input'),
    ...components(responses, 'output'),
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const path = apiRoutePrefix + endpoint.path;
    const parameters = [
      ...parametersOf(endpoint.params, 'path'),
      ...parametersOf(endpoint.query, 'query'),
      ...(endpoint.idempotent ? [idempotencyKeyParameter] : []),
    ];
    const success = String(endpoint.status ?? (endpoint.response === null ? 204 : 200));
    const operation: Record<string, unknown> = {
      operationId: endpoint.operationId,
      summary: endpoint.summary,
      tags: [tagOf(endpoint)],
      security: securityOf(endpoint),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(endpoint.body
        ? {
            requestBody: {
              required: true,
              content: isBinary(endpoint.body)
                ? { [endpoint.body.binary]: { schema: { type: 'string', contentMediaType: endpoint.body.binary } } }
                : { 'application/json': { schema: ref(requests.get(endpoint.body)?.id ?? requestId(endpoint)) } },
            },
          }
        : {}),
      responses: {
        [success]:
          endpoint.response === null
            ? { description: 'Done' }
            : isBinary(endpoint.response)
              ? { description: 'The bytes', content: { [endpoint.response.binary]: { schema: { type: 'string', contentMediaType: endpoint.response.binary } } } }
              : { description: 'OK', content: { 'application/json': { schema: ref(responses.get(endpoint.response)?.id ?? responseId(endpoint)) } } },
        '4XX': { description: 'The request was refused; the problem names the field and the reason.', content: { [problemContentType]: { schema: ref('Problem') } } },
      },
    };
    (paths[path] ??= {})[endpoint.method.toLowerCase()] = operation;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Scale Out master',
      version: info.version,
      description:
        'SSIS Scale Out, re-imagined: the master\'s worker protocol (/api/v1/agent/…, certificate-signed tokens) and management API (API keys with a role).',
    },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (so_<id>_<secret>) with a role: reader, executor or admin.' },
        // Behind App Service authentication (Entra ID) a Bearer value that is not an Entra token is refused by the
        // platform before the master sees it: the same key goes in this header instead.
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The same API key, in a header App Service authentication leaves alone.' },
        workerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A short-lived JWT signed with the worker certificate\'s key (x5t#S256 header).' },
        enrollmentToken: { type: 'http', scheme: 'bearer', description: 'An enrollment token (soj_<id>_<secret>[_<master certificate SHA-256>]), good for its uses until it expires.' },
        taskCredential: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A running package\'s task-scoped credential (SCALEOUT_TASK_CREDENTIAL): its own execution\'s children only.' },
      },
    },
  };
}

/** Component schemas of a registry; named nested schemas become components of their own. */
function components(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const generated = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, io, unrepresentable: 'any' }) as {
    schemas: Record<string, JsonSchema>;
  };
  const { __shared: shared, ...own } = generated.schemas;
  const all: Record<string, JsonSchema> = { ...(((shared as JsonSchema | undefined)?.['$defs'] as Record<string, JsonSchema>) ?? {}), ...own };
  const text = JSON.stringify(all).replace(/#\/components\/schemas\/__shared#\/\$defs\//g, '#/components/schemas/');
  const cleaned = JSON.parse(text) as Record<string, JsonSchema>;
  for (const schema of Object.values(cleaned)) {
    delete schema['$schema'];
    delete schema['$id'];
  }
  return cleaned;
}

const idempotencyKeyParameter: JsonSchema = {
  name: idempotencyKeyHeader,
  in: 'header',
  required: false,
  description:
    `One value per action (a UUID), sent again when the call is retried: a retry with the same key and the same request ` +
    `gets the first answer back (with Idempotent-Replayed: true) instead of doing the write twice; the same key with ` +
    `another request is refused with 409. Keys are kept ${idempotencyKeyRetentionMs / 3_600_000} hours, per API key and operation.`,
  // Bare or in the draft's quotes: up to 128 characters between them.
  schema: { type: 'string', minLength: 1, maxLength: maxIdempotencyKeyLength + 2, pattern: '^"?[\\x21\\x23-\\x5b\\x5d-\\x7e]+"?$' },
};

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function securityOf(endpoint: EndpointSpec): Record<string, string[]>[] {
  switch (endpoint.access.kind) {
    case 'worker':
      return [{ workerToken: [] }];
    case 'management':
      return [{ apiKey: [endpoint.access.role] }, { apiKeyHeader: [endpoint.access.role] }];
    case 'task':
      return [{ taskCredential: [] }];
    case 'enrollment':
      return [{ enrollmentToken: [] }];
    case 'public':
      return [];
  }
}

function tagOf(endpoint: EndpointSpec): string {
  if (endpoint.access.kind === 'worker' || endpoint.access.kind === 'enrollment') return 'worker protocol';
  if (endpoint.access.kind === 'task') return 'task';
  const first = endpoint.path.split('/')[2] ?? 'api';
  return first.replace(/-/g, ' ');
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
