/**
 * Hash routes (`#/workers/abc`, `#/executions?status=4`): the master serves one index.html, and a reload or a
 * shared link opens the same page.
 */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  return { path: path.split('/').filter((s) => s !== '').map(decodeURIComponent), query: new URLSearchParams(search) };
}

/** A link to a route; empty query values are left out. */
export function href(path: readonly (string | number)[], query: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') search.set(name, value);
  const tail = search.size > 0 ? `?${search.toString()}` : '';
  return `#/${path.map((s) => encodeURIComponent(String(s))).join('/')}${tail}`;
}

/** Only `#/...` is a route: other fragments (the skip link's) are in-page targets. */
export const isRouteHash = (hash: string): boolean => hash === '' || hash === '#' || hash.startsWith('#/');
