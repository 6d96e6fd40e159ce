import { describeFieldErrors, type FieldError } from '../../contracts/field-errors.js';

/**
 * Typed catalog errors. The master maps each kind to one HTTP status (see functions/http/problem.ts), so a caller
 * always learns which entity or field was wrong and why.
 */
export abstract class CatalogError extends Error {
  abstract readonly kind: 'not-found' | 'invalid' | 'illegal-state' | 'conflict' | 'stale-attempt';
}

/** The entity does not exist (HTTP 404). */
export class NotFoundError extends CatalogError {
  readonly kind = 'not-found';
  constructor(
    readonly entity: string,
    readonly id: string | number,
  ) {
    super(`${entity} '${id}' was not found`);
    this.name = 'NotFoundError';
  }
}

/** Input that breaks a rule of the catalog; each error names its field (HTTP 400). */
export class ValidationError extends CatalogError {
  readonly kind = 'invalid';
  readonly errors: readonly FieldError[];
  constructor(field: string, reason: string);
  constructor(errors: readonly FieldError[]);
  constructor(fieldOrErrors: string | readonly FieldError[], reason = '') {
    const errors = typeof fieldOrErrors === 'string' ? [{ field: fieldOrErrors, reason }] : fieldOrErrors;
    super(describeFieldErrors(errors));
    this.name = 'ValidationError';
    this.errors = errors;
  }
}

/** The operation is not allowed in the entity's current state (HTTP 409). */
export class IllegalStateError extends CatalogError {
  readonly kind = 'illegal-state';
  constructor(
    readonly entity: string,
    readonly id: string | number,
    readonly state: string,
    readonly operation: string,
  ) {
    super(`cannot ${operation} ${entity} ${id}: it is ${state}`);
    this.name = 'IllegalStateError';
  }
}

/** A uniqueness rule: the thing already exists (HTTP 409). */
export class ConflictError extends CatalogError {
  readonly kind = 'conflict';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/**
 * A worker reported on an attempt it no longer holds: the attempt number is not the current one, the lease was
 * lost, or another worker holds it. Nothing was changed (HTTP 409). This is the fencing check.
 */
export class StaleAttemptError extends CatalogError {
  readonly kind = 'stale-attempt';
  constructor(
    readonly taskId: number,
    readonly attemptNumber: number,
    readonly reason: string,
  ) {
    super(`task ${taskId} attempt ${attemptNumber} is stale: ${reason}`);
    this.name = 'StaleAttemptError';
  }
}

/**
 * The connection failed while the catalog committed: the transaction may or may not be in the database. It is not
 * run again (it could be done twice); the caller that retries must be able to find the first outcome, as an
 * Idempotency-Key, a claim id or an event line's sequence number lets it (HTTP 503).
 */
export class CommitOutcomeUnknownError extends Error {
  constructor(readonly failure: unknown) {
    super(`the catalog connection failed during the commit, so whether it was done is unknown: ${failure instanceof Error ? failure.message : String(failure)}`);
    this.name = 'CommitOutcomeUnknownError';
  }
}

/** Turns whatever was thrown into an Error, keeping the original as `cause`. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown), { cause: thrown });
}

/**
 * An enrollment token that cannot register a worker: unknown (or its secret is wrong: the same answer, so that a
 * guess learns nothing), expired, used up or revoked. The master answers 401 saying which.
 */
export class EnrollmentRefusedError extends Error {
  constructor(readonly reason: 'unknown' | 'expired' | 'used-up' | 'revoked') {
    super(`enrollment token ${reason}`);
    this.name = 'EnrollmentRefusedError';
  }
}
