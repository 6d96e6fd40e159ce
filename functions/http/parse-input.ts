import { z } from 'zod';
import { isBinary, type EndpointSpec } from '../../contracts/endpoint.js';
import type { ApiRequest } from './api-request.js';
import { HttpProblem, invalidRequest, ProblemType } from './problem.js';

export interface ParsedInput {
  params: unknown;
  query: unknown;
  body: unknown;
}

/** Checks a request against its endpoint's contract; anything that does not fit is a 4xx naming the field. */
export async function parseInput(endpoint: EndpointSpec, request: ApiRequest): Promise<ParsedInput> {
  let params: unknown = {};
  if (endpoint.params) {
    const parsed = endpoint.params.safeParse(request.params);
    if (!parsed.success) throw invalidRequest(parsed.error, 'params');
    params = parsed.data;
  }
  let query: unknown = {};
  if (endpoint.query) {
    const raw: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(endpoint.query.shape)) {
      const values = request.url.searchParams.getAll(key);
      if (values.length === 0) continue;
      raw[key] = isArraySchema(field as z.ZodType) ? values : values.at(-1);
    }
    const parsed = endpoint.query.safeParse(raw);
    if (!parsed.success) throw invalidRequest(parsed.error, 'query');
    query = parsed.data;
  }
  let body: unknown;
  if (endpoint.body !== undefined) {
    const bytes = await request.body();
    const contentType = (request.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (isBinary(endpoint.body)) {
      if (contentType !== endpoint.body.binary && contentType !== 'application/octet-stream') {
        throw unsupportedMediaType(endpoint.body.binary, contentType);
      }
      if (bytes.length === 0) {
        throw new HttpProblem({
          type: ProblemType.invalidRequest,
          title: 'Invalid request',
          status: 400,
          detail: 'body: empty; send the archive',
          errors: [{ field: 'body', reason: 'empty' }],
        });
      }
      body = bytes;
    } else {
      let json: unknown = {};
      if (bytes.length > 0) {
        if (contentType !== 'application/json') throw unsupportedMediaType('application/json', contentType);
        try {
          json = JSON.parse(bytes.toString('utf8'));
        } catch (error) {
          throw new HttpProblem({
            type: ProblemType.invalidRequest,
            title: 'Invalid request',
            status: 400,
            detail: `body: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
            errors: [{ field: 'body', reason: 'not valid JSON' }],
          });
        }
      }
      const parsed = endpoint.body.safeParse(json);
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

function isArraySchema(schema: z.ZodType): boolean {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
    current = current.unwrap() as z.ZodType;
  }
  return current instanceof z.ZodArray;
}
