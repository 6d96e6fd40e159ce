import type { z } from 'zod';
import { issuesOf } from '../../contracts/client.js';
import { problemContentType, type Problem } from '../../contracts/endpoint.js';
import { describeFieldErrors, type FieldError } from '../../contracts/field-errors.js';
import { CatalogError, CommitOutcomeUnknownError, ValidationError } from '../catalog/errors.js';
import { PayloadTooLargeError, type ApiResponse, type Invocation } from './api-request.js';

/** Problem types (RFC 9457 `type`): stable identifiers a client can switch on. */
export const ProblemType = {
  invalidRequest: 'urn:scaleout:problem:invalid-request',
  unauthorized: 'urn:scaleout:problem:unauthorized',
  forbidden: 'urn:scaleout:problem:forbidden',
  notFound: 'urn:scaleout:problem:not-found',
  conflict: 'urn:scaleout:problem:conflict',
  staleAttempt: 'urn:scaleout:problem:stale-attempt',
  payloadTooLarge: 'urn:scaleout:problem:payload-too-large',
  headersTooLarge: 'urn:scaleout:problem:headers-too-large',
  unsupportedMediaType: 'urn:scaleout:problem:unsupported-media-type',
  outcomeUnknown: 'urn:scaleout:problem:outcome-unknown',
  methodNotAllowed: 'urn:scaleout:problem:method-not-allowed',
  internal: 'urn:scaleout:problem:internal',
} as const;

/** An error that already knows its HTTP answer. */
export class HttpProblem extends Error {
  constructor(readonly problem: Omit<Problem, 'instance'>) {
    super(problem.detail);
    this.name = 'HttpProblem';
  }
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): ApiResponse {
  return {
    status: problem.status,
    headers: { 'content-type': problemContentType, ...headers },
    body: JSON.stringify(problem),
  };
}

export function invalidRequest(error: z.ZodError, part: string): HttpProblem {
  return invalidFields(issuesOf(error, part));
}

/** A 400 naming each field that is wrong and why, its detail in the user's words. */
export function invalidFields(errors: readonly FieldError[]): HttpProblem {
  return new HttpProblem({
    type: ProblemType.invalidRequest,
    title: 'Invalid request',
    status: 400,
    detail: describeFieldErrors(errors),
    errors: [...errors],
  });
}

/** Maps anything a handler threw to problem+json; unexpected errors are logged and answered 500 without details. */
export function toProblem(error: unknown, instance: string, invocation: Invocation): Problem {
  if (error instanceof HttpProblem) return { ...error.problem, instance };
  if (error instanceof PayloadTooLargeError) {
    return {
      type: ProblemType.payloadTooLarge,
      title: 'Payload too large',
      status: 413,
      detail: error.message,
      instance,
      errors: [{ field: 'body', reason: `larger than ${error.limitBytes} bytes` }],
    };
  }
  if (error instanceof ValidationError) return { ...invalidFields(error.errors).problem, instance };
  if (error instanceof CommitOutcomeUnknownError) {
    invocation.log.warn('commit outcome unknown', { invocationId: invocation.invocationId, error: error.message });
    return {
      type: ProblemType.outcomeUnknown,
      title: 'Outcome unknown',
      status: 503,
      detail:
        'the catalog connection failed while this request was committed, so it may or may not have been done; ' +
        'send it again with the same Idempotency-Key to learn which (without one, check before repeating it)',
      instance,
    };
  }
  if (error instanceof CatalogError) {
    switch (error.kind) {
      case 'not-found':
        return { type: ProblemType.notFound, title: 'Not found', status: 404, detail: error.message, instance };
      case 'invalid':
      case 'illegal-state':
      case 'conflict':
        return { type: ProblemType.conflict, title: 'Conflict', status: 409, detail: error.message, instance };
      case 'stale-attempt':
        return { type: ProblemType.staleAttempt, title: 'Stale attempt', status: 409, detail: error.message, instance };
    }
  }
  invocation.log.error('unexpected error', {
    invocationId: invocation.invocationId,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return {
    type: ProblemType.internal,
    title: 'Internal error',
    status: 500,
    detail: `the master failed to handle this request (invocation ${invocation.invocationId}); see its log`,
    instance,
  };
}
