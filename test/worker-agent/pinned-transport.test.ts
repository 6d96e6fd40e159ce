import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { serverCertificate } from './support/https-master.js';

let server: Server;
let url: string;
let sha256: string;
let requests = 0;
let handshakes = 0;

beforeAll(async () => {
  const tls = await serverCertificate();
  sha256 = tls.sha256;
  server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  server.on('secureConnection', () => (handshakes += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('MasterHttpsCertThumbprint: the pinned master certificate', () => {
  it('trusts a self-signed master whose certificate has the pinned thumbprint, over one reused connection', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: sha256.match(/../g)?.join(':') });
    const before = { requests, handshakes };
    for (let i = 0; i < 5; i++) expect((await transport.request({ method: 'GET', path: '/', headers: {} })).status).toBe(200);
    transport.close();
    expect(requests - before.requests).toBe(5);
    expect(handshakes - before.handshakes).toBe(1);
  });

  it('refuses any other certificate before a single byte of the request is sent', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url, pinnedThumbprint: 'ab'.repeat(32) });
    const before = requests;
    await expect(transport.request({ method: 'POST', path: '/', headers: {}, body: Buffer.from('{"secret":1}') })).rejects.toThrow(
      /the master's certificate \(SHA-1 [0-9a-f]{40}\) is not the pinned one \(MasterHttpsCertThumbprint abab/,
    );
    transport.close();
    expect(requests).toBe(before);
  });

  it('without a pin, refuses a self-signed master (the system CAs decide)', async () => {
    const transport = new NodeHttpsTransport({ baseUrl: url });
    await expect(transport.request({ method: 'GET', path: '/', headers: {} })).rejects.toThrow(/self[- ]signed/);
    transport.close();
  });
});
