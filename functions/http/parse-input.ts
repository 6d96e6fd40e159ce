import { z } from 'zod';
import { isBinary, type EndpointSpec } from '../../contracts/endpoint.js';
import { inUserWords } from '../../contracts/field-errors.js';
import type { ApiRequest } from './api-request.js';
import { HttpProblem, invalidFields, invalidRequest, ProblemType } from './problem.js';
import { unknownFields, unwrapSchema } from './unknown-fields.js';

export interface ParsedInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

/** Checks a request against its endpoint's contract; anything that does not fit is a 4xx naming the field. */
export async function parseInput(endpoint: EndpointSpec, request: ApiRequest): Promise<ParsedInput> {
  let params: unknown = {};
  if (endpoint.params) {
    const parsed = endpoint.params.safeParse(request.params, { error: inUserWords });
    if (!parsed.success) throw invalidRequest(parsed.error, 'params');
    params = parsed.data;
  }
  const query = parseQuery(endpoint, request.url.searchParams);
  let body: unknown;
  if (endpoint.body === undefined) {
    refuseBody(request);
  } else {
    const contentType = (request.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (isBinary(endpoint.body)) {
      if (contentType !== endpoint.body.binary && contentType !== 'application/octet-stream') {
        throw unsupportedMediaType(endpoint.body.binary, contentType);
      }
      // Streamed, not read: a binary body is an archive of up to 100 MiB. Its handler refuses an empty one.
      body = request.stream();
    } else {
      const bytes = await request.body();
      let json: unknown = {};
      if (bytes.length > 0) {
        if (contentType !== 'application/json') throw unsupportedMediaType('application/json', contentType);
        try {
          json = JSON.parse(bytes.toString('utf8'));
        } catch (error) {
          throw invalidFields([{ field: 'body', reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` }]);
        }
      }
      const unknown = unknownFields(endpoint.body, json);
      if (unknown.length > 0) throw invalidFields(unknown.map((field) => ({ field: `body.${field}`, reason: 'not a field of this operation' })));
      const parsed = endpoint.body.safeParse(json, { error: inUserWords });
      if (!parsed.success) throw invalidRequest(parsed.error, 'body');
      body = parsed.data;
    }
  }
  return { params, query, body };
}

function unsupportedMediaType(expected: string, actual: string): HttpProblem {
  return new HttpProblem({
    type: ProblemType.unsupportedMediaType,
    title: 'Unsupported media type',
    status: 415,
    detail: `send the body as ${expected}${actual ? `, not ${actual}` : ' (no content-type was given)'}`,
    errors: [{ field: 'content-type', reason: `expected ${expected}` }],
  });
}

/**
 * The query as the contract reads it. Strict: a parameter the operation does not take, one given twice where a
 * single value is expected (no last-wins), and an empty value are refused, each naming the parameter.
 */
function parseQuery(endpoint: EndpointSpec, search: URLSearchParams): unknown {
  const shape = (endpoint.query?.shape ?? {}) as Record<string, z.ZodType>;
  const errors: { field: string; reason: string }[] = [];
  const raw: Record<string, unknown> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    if (!Object.hasOwn(shape, key)) errors.push({ field: `query.${key}`, reason: 'not a parameter of this operation' });
    else if (unwrapSchema(shape[key]!) instanceof z.ZodArray) raw[key] = values;
    else if (values.length > 1) errors.push({ field: `query.${key}`, reason: `given ${values.length} times; give it once` });
    else raw[key] = values[0];
    if (values.includes('')) errors.push({ field: `query.${key}`, reason: 'empty; give a value or leave the parameter out' });
  }
  if (errors.length > 0) throw invalidFields(errors);
  if (!endpoint.query) return {};
  const parsed = endpoint.query.safeParse(raw, { error: inUserWords });
  if (!parsed.success) throw invalidRequest(parsed.error, 'query');
  return parsed.data;
}

/** An operation that takes no body refuses one, rather than ignoring what the caller meant to send. */
function refuseBody(request: ApiRequest): void {
  const length = Number(request.header('content-length') ?? '0');
  if (length > 0 || request.header('transfer-encoding') !== undefined) {
    throw invalidFields([{ field: 'body', reason: 'this operation takes no body' }]);
  }
}
