import { z } from 'zod';
import { decimalDigits } from '../../contracts/common.js';
import { isBinary, type EndpointSpec } from '../../contracts/endpoint.js';

/**
 * Malformed requests derived from an endpoint's own contract, so every endpoint gets them and a new endpoint or
 * field gets them too: each path parameter and query value broken in turn (ids written other than in decimal
 * digits, empty values, a value given twice, a parameter the operation does not take), each body field given a
 * value of a type it does not accept or left out when required, a field the body does not have, a body that is
 * not JSON, not an object, of the wrong content type, too large, or sent to an operation that takes none. Each
 * names the field the master's problem must name.
 */
export interface MalformedRequest {
  name: string;
  params: Record<string, string>;
  query: [string, string][];
  /** JSON bodies are given as values and serialised; `raw` is sent as it is. */
  body?: { json: unknown } | { raw: Buffer };
  contentType?: string;
  /** Declare this Content-Length and send only the first bytes: the master must refuse on the header alone. */
  declaredLength?: number;
  status: number;
  field: string;
}

/** A correct call of the endpoint, which each malformed request breaks in exactly one place. */
export interface ValidInput {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

type JsonSchema = { type?: string | string[]; anyOf?: JsonSchema[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; maxLength?: number; pattern?: string; format?: string; enum?: unknown[] };

const schemaOf = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

function acceptedTypes(schema: JsonSchema): Set<string> {
  const types = new Set<string>();
  for (const option of [schema, ...(schema.anyOf ?? [])]) {
    for (const type of [option.type ?? []].flat()) types.add(type === 'integer' ? 'number' : type);
  }
  return types;
}

const jsonType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** A JSON value of a type the field does not accept; undefined when it accepts anything. */
export function wrongTypeFor(schema: JsonSchema): unknown {
  const accepted = acceptedTypes(schema);
  if (accepted.size === 0) return undefined;
  return [12345, 'text', true, [], { unexpected: 1 }, null].find((candidate) => !accepted.has(jsonType(candidate)));
}

/** Bad text for a path or query value, by what the value must be. */
function badTexts(schema: JsonSchema): string[] {
  const item = schema.type === 'array' && schema.items ? schema.items : schema;
  // Ids and counts: anything but plain decimal digits, however a lenient parser would read it.
  if (item.pattern === decimalDigits.source) return ['abc', '-1', '1.5', '0x1f', ' 1', '1e3', '01', '+1'];
  const texts: string[] = [];
  if (item.pattern) texts.push('bad*name');
  if (item.maxLength !== undefined) texts.push('x'.repeat(item.maxLength + 1));
  if (item.format === 'date-time') texts.push('yesterday');
  if (item.enum) texts.push('no-such-value');
  return texts;
}

export function malformedRequests(endpoint: EndpointSpec, valid: ValidInput, maxBodyBytes: number): MalformedRequest[] {
  const base = {
    params: valid.params ?? {},
    query: Object.entries(valid.query ?? {}),
    ...(endpoint.body === undefined ? {} : isBinary(endpoint.body) ? { body: { raw: valid.body as Buffer } } : { body: { json: valid.body } }),
  };
  const requests: MalformedRequest[] = [];
  for (const [name, property] of Object.entries(endpoint.params ? (schemaOf(endpoint.params).properties ?? {}) : {})) {
    for (const text of badTexts(property)) {
      requests.push({ ...base, name: `path ${name}=${text.slice(0, 20)}`, params: { ...base.params, [name]: text }, status: 400, field: `params.${name}` });
    }
  }
  const queryProperties = endpoint.query ? (schemaOf(endpoint.query).properties ?? {}) : {};
  for (const [name, property] of Object.entries(queryProperties)) {
    for (const text of badTexts(property)) {
      requests.push({
        ...base,
        name: `query ${name}=${text.slice(0, 20)}`,
        query: [...base.query.filter(([key]) => key !== name), [name, text]],
        status: 400,
        field: `query.${name}`,
      });
    }
    const value = valid.query?.[name];
    requests.push({ ...base, name: `query ${name} empty`, query: [...base.query.filter(([key]) => key !== name), [name, '']], status: 400, field: `query.${name}` });
    if (property.type === 'array' || value === undefined) continue;
    requests.push({ ...base, name: `query ${name} given twice`, query: [...base.query, [name, value]], status: 400, field: `query.${name}` });
  }
  requests.push({ ...base, name: 'an unknown query parameter', query: [...base.query, ['unexpected', '1']], status: 400, field: 'query.unexpected' });
  if (endpoint.body === undefined) {
    return [...requests, { ...base, name: 'a body on an operation that takes none', body: { json: {} }, status: 400, field: 'body' }];
  }
  const tooLarge = { ...base, name: 'a body over the limit', declaredLength: maxBodyBytes + 1, status: 413, field: 'body' };
  if (isBinary(endpoint.body)) {
    return [
      ...requests,
      { ...base, name: 'wrong content type', contentType: 'application/json', status: 415, field: 'content-type' },
      { ...base, name: 'an empty body', body: { raw: Buffer.alloc(0) }, status: 400, field: 'body' },
      { ...base, name: 'bytes that are not a zip', body: { raw: Buffer.from('not a zip at all') }, status: 400, field: 'archive' },
      tooLarge,
    ];
  }
  const body = schemaOf(endpoint.body);
  const validBody = valid.body as Record<string, unknown>;
  for (const [name, property] of Object.entries(body.properties ?? {})) {
    const wrong = wrongTypeFor(property);
    if (wrong === undefined) continue;
    requests.push({ ...base, name: `body ${name} of a wrong type`, body: { json: { ...validBody, [name]: wrong } }, status: 400, field: `body.${name}` });
  }
  for (const name of body.required ?? []) {
    const { [name]: _left, ...rest } = validBody;
    requests.push({ ...base, name: `body without ${name}`, body: { json: rest }, status: 400, field: `body.${name}` });
  }
  if (body.type === 'object') {
    requests.push({ ...base, name: 'an unknown body field', body: { json: { ...validBody, unexpected: 1 } }, status: 400, field: 'body.unexpected' });
  }
  return [
    ...requests,
    { ...base, name: 'a body that is not JSON', body: { raw: Buffer.from('{"truncated": ') }, status: 400, field: 'body' },
    { ...base, name: 'a JSON array for a body', body: { json: [validBody] }, status: 400, field: 'body' },
    { ...base, name: 'wrong content type', contentType: 'text/plain', status: 415, field: 'content-type' },
    tooLarge,
  ];
}
