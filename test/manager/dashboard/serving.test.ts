import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponseSpec } from '../../../contracts/client.js';
import { NodeHttpsTransport } from '../../../contracts/node-https-transport.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';

/** The master serves the dashboard at `/`, and the API keeps answering as an API around it. */
describe('the master serving the dashboard', () => {
  let master: TestMaster;
  let transport: NodeHttpsTransport;
  const text = (response: HttpResponseSpec): string => Buffer.from(response.body).toString('utf8');
  const get = (path: string, headers: Record<string, string> = {}) => transport.request({ method: 'GET', path, headers });

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
  });

  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  it('serves index.html at / with a strict Content-Security-Policy and no inline script', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const html = text(response);
    expect(html).toMatch(/<script type="module" src="\/assets\/app-[A-Z0-9]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
  });

  it('serves the hashed assets with their content types, cached for good, and small', async () => {
    const html = text(await get('/'));
    const script = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)![1]!;
    const styles = /href="(\/assets\/styles-[^"]+\.css)"/.exec(html)![1]!;
    const js = await get(script);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // A regression guard: zod pulled in whole (every locale) made this 520 KB.
    expect(js.body.length).toBeLessThan(300_000);
    const css = await get(styles);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  it('answers app paths with index.html and revalidates it by ETag', async () => {
    const index = await get('/');
    const deep = await get('/workers/some-worker');
    expect(deep.status).toBe(200);
    expect(text(deep)).toBe(text(index));
    const again = await get('/', { 'if-none-match': index.headers['etag']! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('answers a missing file or a path that climbs out of the folder with 404', async () => {
    for (const path of ['/assets/missing.js', '/nothing.css', '/assets/..%2F..%2Fpackage.json', '/.%2e/package.json', '/assets/.hidden.js']) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(response.headers['content-type'], path).toBe('application/problem+json');
    }
  });

  it('never answers an API path with the app: unknown ones are 404 problem+json, whatever the method', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nothing-here'],
      ['GET', '/api'],
      ['GET', '/API/v1/Nothing'],
      ['POST', '/api/v1/nothing-here'],
      ['DELETE', '/api/v2/workers'],
    ] as const) {
      const response = await transport.request({ method, path, headers: {} });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers['content-type'], `${method} ${path}`).toBe('application/problem+json');
      expect(JSON.parse(text(response))).toMatchObject({ type: 'urn:scaleout:problem:not-found', status: 404 });
    }
    // Real endpoints still win over the catch-all, and a wrong method on them is still a 405.
    expect((await get('/api/v1/openapi.json')).headers['content-type']).toContain('application/json');
    expect((await transport.request({ method: 'DELETE', path: '/api/v1/workers', headers: {} })).status).toBe(405);
  });
});
