import type { HttpFunction } from '../http/define-handler.js';

interface CompiledRoute {
  fn: HttpFunction;
  segments: ({ literal: string } | { param: string; catchAll: boolean })[];
  /** More literal segments win, as in ASP.NET routing: `workers/{id}/enable` before `workers/{id}`. */
  literals: number;
  catchAll: boolean;
}

export type RouteMatch =
  | { kind: 'found'; fn: HttpFunction; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'not-found' };

/** Matches request paths against the function table's route templates, the way the Functions host does. */
export class Router {
  readonly #routes: CompiledRoute[];

  constructor(functions: readonly HttpFunction[]) {
    this.#routes = functions
      .map((fn) => {
        const segments = fn.route.split('/').map((segment) => {
          const param = /^\{(\*?)(\w+)\}$/.exec(segment);
          return param ? { param: param[2]!, catchAll: param[1] === '*' } : { literal: segment.toLowerCase() };
        });
        return {
          fn,
          segments,
          literals: segments.filter((s) => 'literal' in s).length,
          catchAll: segments.some((s) => 'catchAll' in s && s.catchAll),
        };
      })
      .sort((a, b) => b.literals - a.literals || b.segments.length - a.segments.length);
  }

  match(method: string, pathname: string): RouteMatch {
    const parts = pathname.replace(/^\/+|\/+$/g, '').split('/');
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route, parts);
      if (!params) continue;
      if (route.fn.method === method) return { kind: 'found', fn: route.fn, params };
      // A catch-all (the dashboard's GET) matches every path; it must not turn an unknown API path into a 405.
      if (!route.catchAll) allowed.push(route.fn.method);
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'not-found' };
  }
}

function matchSegments(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    if ('literal' in segment) {
      if (parts[index]?.toLowerCase() !== segment.literal) return undefined;
      continue;
    }
    if (segment.catchAll) {
      params[segment.param] = parts.slice(index).map(decode).join('/');
      return params;
    }
    const part = parts[index];
    if (part === undefined || part === '') return undefined;
    params[segment.param] = decode(part);
  }
  return parts.length === route.segments.length ? params : undefined;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
