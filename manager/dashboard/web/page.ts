import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../../contracts/endpoint.js';
import type { Route } from './router.js';

/** What every page is given. Calls made through `call` are aborted when the user leaves the page. */
export interface PageContext {
  route: Route;
  /** Aborts when the page is left: stop timers, ignore late answers. */
  signal: AbortSignal;
  call<E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>, options?: { idempotencyKey?: string }): Promise<EndpointOutput<E>>;
  navigate(hash: string): void;
  /** Tell screen-reader users what just happened (politely, once). */
  announce(message: string): void;
  /** A message to show on the next page, e.g. "Worker added" after leaving the add page. */
  flash(message: string): void;
  setTitle(title: string): void;
  /**
   * Whether the signed-in key's role (GET /me, asked before the first page) may call `endpoint`: a page shows no
   * control the master would refuse.
   */
  may(endpoint: EndpointSpec): boolean;
}

export interface Page {
  element: HTMLElement;
  /**
   * A route change that this page can show without being rebuilt (selecting another worker in Worker Manager).
   * Returns false to be replaced instead.
   */
  update?(route: Route): boolean;
}

export type PageFactory = (context: PageContext) => Page;
