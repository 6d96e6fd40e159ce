import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MasterTransport } from '../../../manager/cli/master-transport.js';
import { createWorkerIdentity, type WorkerIdentity } from '../../support/test-worker.js';

/** A self-signed HTTPS server that counts the requests reaching it. */
describe("the CLI's transport to the master", () => {
  let server: Server;
  let identity: WorkerIdentity;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    identity = await createWorkerIdentity('localhost', { serverAuthOnly: true });
    server = createServer({ cert: identity.certPem, key: identity.keyPem }, (req, res) => {
      requests++;
      res.end('{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });

  const get = (transport: MasterTransport) => transport.request({ method: 'GET', path: '/api/v1/master', headers: { authorization: 'Bearer so_secret' } });

  it('sends nothing to a self-signed certificate that is not the pinned one', async () => {
    const transport = new MasterTransport({ baseUrl: url, pinnedThumbprint: 'ab'.repeat(20) });
    await expect(get(transport)).rejects.toThrow(`the master's certificate (SHA-1 ${identity.thumbprintSha1}) is not the pinned one (${'ab'.repeat(20)})`);
    transport.close();
    expect(requests).toBe(0);
  });

  it('refuses an untrusted certificate when nothing is pinned', async () => {
    const transport = new MasterTransport({ baseUrl: url });
    await expect(get(transport)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    transport.close();
    expect(requests).toBe(0);
  });

  it('talks to the pinned certificate, by SHA-1 or SHA-256, over one kept-alive connection', async () => {
    for (const pin of [identity.thumbprintSha1.toUpperCase(), identity.thumbprintSha256]) {
      const transport = new MasterTransport({ baseUrl: url, pinnedThumbprint: pin });
      const before = requests;
      const sockets = new Set<unknown>();
      const onConnection = (socket: unknown): void => void sockets.add(socket);
      server.on('secureConnection', onConnection);
      expect((await get(transport)).status).toBe(200);
      expect((await get(transport)).status).toBe(200);
      server.off('secureConnection', onConnection);
      transport.close();
      expect(requests - before).toBe(2);
      // One for the probe that checks the pin before anything is sent, one for both requests.
      expect(sockets.size).toBe(2);
    }
  });

  it('refuses a certificate swapped after the pin was checked, on the next connection', async () => {
    const transport = new MasterTransport({ baseUrl: url, pinnedThumbprint: identity.thumbprintSha1 });
    expect((await get(transport)).status).toBe(200);
    const impostor = await createWorkerIdentity('localhost', { serverAuthOnly: true });
    server.setSecureContext({ cert: impostor.certPem, key: impostor.keyPem });
    server.closeAllConnections();
    const before = requests;
    try {
      await expect(get(transport)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      expect(requests).toBe(before);
    } finally {
      server.setSecureContext({ cert: identity.certPem, key: identity.keyPem });
      transport.close();
    }
  });

  it('refuses plain http beyond loopback', () => {
    expect(() => new MasterTransport({ baseUrl: 'http://scaleout.contoso.com' })).toThrow('the master must be reached over https');
  });
});
