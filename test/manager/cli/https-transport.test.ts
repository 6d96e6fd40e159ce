import { getEventListeners, once } from 'node:events';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpsTransport } from '../../../contracts/node-https-transport.js';
import { createMasterApi } from '../../../manager/cli/client.js';
import { getMasterStatus } from '../../../contracts/management/endpoints.js';
import { createWorkerIdentity, type WorkerIdentity } from '../../support/test-worker.js';

/**
 * The CLI reaches the master through the transport the worker agent uses (contracts/node-https-transport.ts).
 * Against a self-signed HTTPS server that counts the requests reaching it: the pin is checked on every new
 * connection before the API key is sent; plus what the CLI needs from it (upload progress, a read sent again
 * when a kept-alive connection was reset as it was reused).
 */
describe("the CLI's HTTPS to the master (contracts/node-https-transport.ts)", () => {
  let server: Server;
  let identity: WorkerIdentity;
  let url: string;
  let requests = 0;
  /** Bytes of each request body received, by path. */
  const received = new Map<string, number>();
  /** Reset the connection of the next request that arrives on a reused connection, instead of answering. */
  let resetNextReused = false;
  const served = new WeakMap<Socket, number>();

  beforeAll(async () => {
    identity = await createWorkerIdentity('localhost', { serverAuthOnly: true });
    server = createServer({ cert: identity.certPem, key: identity.keyPem }, (req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (resetNextReused && count > 1) {
        resetNextReused = false;
        req.socket.destroy();
        return;
      }
      requests++;
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received.set(req.url ?? '', bytes);
        res.setHeader('content-type', 'application/json');
        res.end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  const get = (transport: NodeHttpsTransport) => transport.request({ method: 'GET', path: '/api/v1/master', headers: { authorization: 'Bearer so_secret' } });

  it('sends nothing to a self-signed certificate that is not the pinned one', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: 'ab'.repeat(20) });
    await expect(get(transport)).rejects.toThrow(
      `the master's certificate (SHA-1 ${identity.thumbprintSha1}) is not the pinned one (MasterHttpsCertThumbprint ${'ab'.repeat(20)})`,
    );
    const post = transport.request({ method: 'POST', path: '/api/v1/executions', headers: {}, body: Buffer.from('{"secret":1}') });
    await expect(post).rejects.toMatchObject({ code: 'ERR_SCALEOUT_CERTIFICATE_PIN' });
    transport.close();
    expect(requests).toBe(0);
  });

  it('refuses an untrusted certificate when nothing is pinned', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url });
    await expect(get(transport)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    transport.close();
    expect(requests).toBe(0);
  });

  it('talks to the pinned certificate, by SHA-1 or SHA-256, over one kept-alive connection', async () => {
    for (const pin of [identity.thumbprintSha1.toUpperCase(), identity.thumbprintSha256]) {
      const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: pin });
      const before = requests;
      const sockets = new Set<unknown>();
      const onConnection = (socket: unknown): void => void sockets.add(socket);
      server.on('secureConnection', onConnection);
      expect((await get(transport)).status).toBe(200);
      expect((await get(transport)).status).toBe(200);
      server.off('secureConnection', onConnection);
      transport.close();
      expect(requests - before).toBe(2);
      expect(sockets.size).toBe(1);
    }
  });

  it('refuses a certificate swapped after the pin was checked, on the next connection', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: identity.thumbprintSha1 });
    expect((await get(transport)).status).toBe(200);
    const impostor = await createWorkerIdentity('localhost', { serverAuthOnly: true });
    server.setSecureContext({ cert: impostor.certPem, key: impostor.keyPem });
    server.closeAllConnections();
    const before = requests;
    try {
      await expect(get(transport)).rejects.toThrow(`the master's certificate (SHA-1 ${impostor.thumbprintSha1}) is not the pinned one`);
      expect(requests).toBe(before);
    } finally {
      server.setSecureContext({ cert: identity.certPem, key: identity.keyPem });
      transport.close();
    }
  });

  it('the CLI refuses the swapped certificate with exit-code-3 wording, naming the fix', async () => {
    const api = createMasterApi({ masterUrl: url, apiKey: 'so_secret', thumbprint: 'cd'.repeat(20), source: 'the environment' });
    const before = requests;
    await expect(api.call(getMasterStatus, {})).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(new RegExp(`^refused the master at ${url}: the master's certificate .* scaleout connect ${url} --thumbprint <SHA-1>$`)),
    });
    api.close();
    expect(requests).toBe(before);
  });

  it("overlapping requests add no abort listener to the command's long-lived Ctrl-C signal", async () => {
    const interrupt = new AbortController();
    const api = createMasterApi(
      { masterUrl: url, apiKey: 'so_secret', thumbprint: identity.thumbprintSha256, source: 'the environment' },
      { signal: interrupt.signal },
    );
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    // The test server's `{}` is not a master status: each call fails its contract, after its request was answered.
    const calls = Array.from({ length: 12 }, () => api.call(getMasterStatus, {}).catch(() => undefined));
    await Promise.all(calls);
    // Node emits the warning on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    api.close();
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    expect(getEventListeners(interrupt.signal, 'abort')).toHaveLength(0);
  });

  it('reports upload progress as the body is written, in pieces, up to the whole body', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: identity.thumbprintSha256 });
    const body = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const progress: [number, number][] = [];
    const response = await transport.request({
      method: 'PUT',
      path: '/upload',
      headers: { 'content-type': 'application/zip' },
      body,
      onUploadProgress: (sent, total) => progress.push([sent, total]),
    });
    transport.close();
    expect(response.status).toBe(200);
    expect(received.get('/upload')).toBe(body.length);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toEqual([body.length, body.length]);
    expect(progress.every(([sent], i) => i === 0 || sent > progress[i - 1]![0])).toBe(true);
  });

  it('sends a read again, once, when its kept-alive connection was reset as it was reused; never a write', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: identity.thumbprintSha1 });
    expect((await get(transport)).status).toBe(200);
    resetNextReused = true;
    const before = requests;
    expect((await get(transport)).status).toBe(200);
    expect(requests - before).toBe(1);

    resetNextReused = true;
    await expect(transport.request({ method: 'POST', path: '/api/v1/executions', headers: {}, body: Buffer.from('{}') })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    expect(requests - before).toBe(1);
    transport.close();
  });

  it('gives up on a master that accepts the connection but never completes TLS, pinned or not', async () => {
    const silent = createTcpServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const silentUrl = `https://localhost:${(silent.address() as AddressInfo).port}`;
    try {
      for (const pinnedThumbprint of [identity.thumbprintSha1, undefined]) {
        const transport = new NodeHttpsTransport({ baseUrl: silentUrl, pinnedThumbprint, timeoutMs: 300 });
        await expect(get(transport)).rejects.toThrow(/no answer from .* within 300 ms/);
        transport.close();
      }
    } finally {
      silent.close();
    }
  });

  it('refuses plain http beyond loopback', () => {
    expect(() => new NodeHttpsTransport({ baseUrl: 'http://scaleout.contoso.com' })).toThrow('the master must be reached over https');
  });
});
