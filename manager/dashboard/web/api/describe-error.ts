import { ApiError, ContractError, InputError } from '../../../../contracts/client.js';
import { MasterUnreachableError } from './fetch-transport.js';

/** A failed call in words an administrator can act on, and the fields it blames (to mark in a form). */
export interface ErrorDescription {
  message: string;
  fields: { field: string; reason: string }[];
}

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof MasterUnreachableError) {
    return { message: `Cannot reach the master at ${error.origin}. Is it running? Retrying shortly.`, fields: [] };
  }
  if (error instanceof ApiError) {
    const detail = error.problem?.detail ?? `HTTP ${error.status}`;
    const fields = error.problem?.errors ?? [];
    switch (error.status) {
      case 401:
        return { message: `The master refused the API key: ${detail}.`, fields };
      case 403:
        return { message: `Your API key may not do this: ${detail}.`, fields };
      default:
        return { message: capitalize(error.message), fields };
    }
  }
  if (error instanceof InputError) return { message: `Please correct: ${error.message}.`, fields: error.issues };
  if (error instanceof ContractError) {
    return { message: `${error.message}. Reload the page to load the dashboard that matches the master.`, fields: [] };
  }
  return { message: error instanceof Error ? error.message : String(error), fields: [] };
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
