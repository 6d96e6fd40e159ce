import { callEndpoint, type HttpTransport } from '../../../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../../../contracts/endpoint.js';

/** Calls the management API with the signed-in key. */
export type Call = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>, options?: CallOptions) => Promise<EndpointOutput<E>>;

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** The user action's Idempotency-Key (see action-key.ts); an idempotent call gets a new one without it. */
  idempotencyKey?: string | undefined;
}

const storageKey = 'scaleout.apiKey';

/**
 * The API key lives in sessionStorage: it survives a reload but not closing the tab, and is never written to a
 * cookie, so no other site can send it.
 */
export const storedKey = {
  read: (): string | null => sessionStorage.getItem(storageKey),
  write: (key: string): void => sessionStorage.setItem(storageKey, key),
  clear: (): void => sessionStorage.removeItem(storageKey),
};

export function callerWithKey(transport: HttpTransport, apiKey: string): Call {
  return (endpoint, input, options = {}) =>
    callEndpoint(transport, endpoint, input, {
      // Not a Bearer token: App Service authentication (Entra ID) would refuse it before the master saw it.
      headers: { 'x-api-key': apiKey },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    });
}
