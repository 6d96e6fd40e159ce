import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ApiRequest, ApiResponse } from '../http/api-request.js';
import type { HttpFunction } from '../http/define-handler.js';
import { HttpProblem, ProblemType } from '../http/problem.js';
import { projectRoot } from '../project.js';

/**
 * Serves the web dashboard (Scale Out Manager in the browser) at `/`: the files `npm run build` bundles into
 * dist/manager/dashboard/public (manager/dashboard/bundle.ts writes them; the master may not import the
 * manager, so the folder is named in both places). A catch-all route, so every API route wins over it; a path
 * under `api/` that no endpoint matched still answers 404 problem+json, never the app.
 */
const publicFolder = ['dist', 'manager', 'dashboard', 'public'];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Only this origin's own files: no inline script or style, no framing, no form posting elsewhere. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Bundled assets carry a content hash in their names, so a browser may keep them for good. */
const immutable = 'public, max-age=31536000, immutable';
/** index.html names the current assets: always revalidated (cheaply, by ETag). */
const revalidate = 'no-cache';

/** A file name segment: no dot-files, no `..`, nothing that needs decoding. */
const safeSegment = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

let folder: string | undefined;

export const serveDashboardFunction: HttpFunction = {
  kind: 'http',
  name: 'serveDashboard',
  method: 'GET',
  route: '{*path}',
  maxBodyBytes: 0,
  async handler(request) {
    const path = (request.params['path'] ?? '').replace(/^\/+|\/+$/g, '');
    if (/^api(\/|$)/i.test(path)) {
      throw notFound(`no endpoint at ${request.url.pathname} (the API is described at /api/v1/openapi.json)`);
    }
    const segments = path === '' ? [] : path.split('/');
    const last = segments.at(-1) ?? '';
    // A path without an extension is one of the app's pages: index.html shows it.
    const isFile = extname(last) !== '';
    if (isFile && !segments.every((segment) => safeSegment.test(segment))) throw notFound(`no file at ${request.url.pathname}`);
    const file = isFile ? segments : ['index.html'];
    folder ??= join(projectRoot(), ...publicFolder);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(folder, ...file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
      throw notFound(isFile ? `no file at ${request.url.pathname}` : 'the dashboard is not built on this master: run `npm run build`');
    }
    return fileResponse(request, bytes, file.join('/'));
  },
};

function fileResponse(request: ApiRequest, bytes: Buffer, file: string): ApiResponse {
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
  const headers = {
    ...securityHeaders,
    'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
    'cache-control': file.startsWith('assets/') ? immutable : revalidate,
    etag,
  };
  if (request.header('if-none-match') === etag) return { status: 304, headers };
  return { status: 200, headers, body: bytes };
}

function notFound(detail: string): HttpProblem {
  return new HttpProblem({ type: ProblemType.notFound, title: 'Not found', status: 404, detail });
}
