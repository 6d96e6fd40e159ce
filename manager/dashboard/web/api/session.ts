import { callEndpoint, type HttpTransport } from '../../../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../../../contracts/endpoint.js';

/** Calls the management API with the signed-in key. */
export type Call = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>, signal?: AbortSignal) => Promise<EndpointOutput<E>>;

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
  return (endpoint, input, signal) =>
    callEndpoint(transport, endpoint, input, {
      // Not a Bearer token: App Service authentication (Entra ID) would refuse it before the master saw it.
      headers: { 'x-api-key': apiKey },
      ...(signal ? { signal } : {}),
    });
}
