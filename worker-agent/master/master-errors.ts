import { ApiError, ContractError, InputError } from '../../contracts/client.js';
import { describeError } from '../errors.js';

/**
 * What a failed call to the master means for the caller, so every loop reacts the same way:
 * - `unreachable`: network error, timeout, 408/429/5xx. Try again later, with backoff.
 * - `refused`: 401/403, the master does not accept this worker (unknown, disabled, expired certificate). Try
 *   again later too (an administrator may fix it), but say so plainly.
 * - `stale`: 409, the attempt is no longer this worker's. Drop the report; never retry it.
 * - `rejected`: any other answer (400, 404, a contract mismatch): this report will never be accepted. Drop it.
 */
export type MasterFailureKind = 'unreachable' | 'refused' | 'stale' | 'rejected';

const retriableStatuses = new Set([408, 425, 429, 500, 502, 503, 504]);

export function classifyMasterFailure(error: Error): MasterFailureKind {
  if (error instanceof ApiError) {
    if (error.status === 409) return 'stale';
    if (error.status === 401 || error.status === 403) return 'refused';
    if (retriableStatuses.has(error.status) || error.status >= 500) return 'unreachable';
    return 'rejected';
  }
  if (error instanceof InputError || error instanceof ContractError) return 'rejected';
  return 'unreachable';
}

export function isRetriable(kind: MasterFailureKind): boolean {
  return kind === 'unreachable' || kind === 'refused';
}

/** One line for the log, naming what to do when the master refuses the worker. */
export function describeMasterFailure(error: Error): string {
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    return `the master refused this worker (HTTP ${error.status}): ${error.message}`;
  }
  return describeError(error);
}
