import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointPath, problemContentType, type EndpointInput } from '../../contracts/endpoint.js';
import { addWorker, enableScaleOut, enableWorker, getWorker, removeWorker } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { workerAuthFailures } from '../../contracts/worker-auth.js';
import { heartbeat } from '../../contracts/worker-protocol.js';
import { dumpCatalog } from '../support/catalog-dump.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerToken, type TokenOptions, type WorkerIdentity } from '../support/test-worker.js';

const agent = { agentVersion: '0.1.0', os: 'linux x64', machineName: 'auth-node', userAccount: 'svc' };
const day = 86_400_000;

describe('worker authentication: every refusal is a 401 naming its reason', () => {
  let master: TestMaster;
  let transport: NodeHttpsTransport;
  let registered: WorkerIdentity;
  let catalogPath: string;

  /** A heartbeat with exactly this Authorization header (or none). */
  async function heartbeatWith(authorization: string | undefined) {
    const response = await transport.request({
      method: 'POST',
      path: endpointPath(heartbeat),
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: Buffer.from(JSON.stringify({ tasks: [], agent })),
    });
    return { ...response, json: JSON.parse(Buffer.from(response.body).toString('utf8')) as Record<string, unknown> };
  }

  const tokenOf = async (identity: WorkerIdentity, options: TokenOptions = {}) =>
    `Bearer ${await workerToken(identity, master.url, options)}`;

  async function expectRefused(authorization: string | undefined, reason: string): Promise<void> {
    const before = dumpCatalog(catalogPath);
    const response = await heartbeatWith(authorization);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe(problemContentType);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json).toMatchObject({ status: 401, detail: reason });
    expect(dumpCatalog(catalogPath)).toEqual(before);
  }

  async function addEnabled(input: EndpointInput<typeof addWorker>): Promise<string> {
    const added = await master.admin(addWorker, input);
    const workerAgentId = added.worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    return workerAgentId;
  }

  beforeAll(async () => {
    // No timers: the catalog must not change by itself while a refusal is checked against it.
    master = await startTestMaster({ timers: false });
    catalogPath = join(master.folder, 'catalog.sqlite');
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    await master.admin(enableScaleOut, {});
    registered = await createWorkerIdentity('auth-node');
    await addEnabled({ body: { certificate: registered.certPem } });
  });

  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  it('accepts a good token', async () => {
    expect((await heartbeatWith(await tokenOf(registered))).status).toBe(200);
  });

  it('refuses a request without a token', async () => {
    await expectRefused(undefined, workerAuthFailures.missing);
    await expectRefused('Basic dXNlcjpwYXNz', workerAuthFailures.missing);
  });

  it('refuses a token that is not a JWT', async () => {
    await expectRefused('Bearer not-a-token', workerAuthFailures.malformed);
    await expectRefused('Bearer eyJhbGciOiJub25lIn0.e30.', workerAuthFailures.malformed);
  });

  it('refuses a certificate no worker is registered with', async () => {
    const stranger = await createWorkerIdentity('stranger');
    await expectRefused(await tokenOf(stranger), workerAuthFailures.unknownCertificate);
  });

  it('refuses a token signed by another key than the certificate’s', async () => {
    const impostor = await createWorkerIdentity('impostor');
    await expectRefused(await tokenOf(registered, { signWith: impostor.signingKey }), workerAuthFailures.badSignature);
  });

  it('accepts a token for the machine name of a local master: a worker on another machine names it so', async () => {
    const byMachineName = `https://${hostname()}:${new URL(master.url).port}`;
    expect((await heartbeatWith(await tokenOf(registered, { audience: byMachineName }))).status).toBe(200);
  });

  it('refuses a token for another master address', async () => {
    await expectRefused(await tokenOf(registered, { audience: 'https://other-master:8391' }), workerAuthFailures.wrongAudience);
  });

  it('refuses an expired token, allowing 60 s of clock skew either way', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await tokenOf(registered, { issuedAt: now - 400, lifetimeSeconds: 300 }), workerAuthFailures.expired);
    // Expired 30 s ago, or issued 30 s in the future: within the skew, so accepted.
    expect((await heartbeatWith(await tokenOf(registered, { issuedAt: now - 150, lifetimeSeconds: 120 }))).status).toBe(200);
    expect((await heartbeatWith(await tokenOf(registered, { issuedAt: now + 30, lifetimeSeconds: 120 }))).status).toBe(200);
  });

  it('refuses a token issued beyond the clock skew in the future, however short its lifetime', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await tokenOf(registered, { issuedAt: now + 365 * 86_400, lifetimeSeconds: 300 }), workerAuthFailures.issuedInFuture);
    await expectRefused(await tokenOf(registered, { issuedAt: now + 90, lifetimeSeconds: 60 }), workerAuthFailures.issuedInFuture);
    // At the edge of the skew, the longest lifetime: it expires 5 min + 60 s from now, the most a token may.
    expect((await heartbeatWith(await tokenOf(registered, { issuedAt: now + 55, lifetimeSeconds: 300 }))).status).toBe(200);
  });

  it('refuses a token that lives longer than 300 s', async () => {
    await expectRefused(await tokenOf(registered, { lifetimeSeconds: 301 }), workerAuthFailures.tooLong);
  });

  it('refuses an expired certificate, and does not keep it', async () => {
    const expired = await createWorkerIdentity('expired-node', {
      notBefore: new Date(Date.now() - 400 * day),
      notAfter: new Date(Date.now() - day),
    });
    // An expired certificate cannot be added as a certificate; registered by its thumbprint, it is presented later.
    const workerAgentId = await addEnabled({ body: { thumbprint: expired.thumbprintSha256, machineName: 'expired-node' } });
    await expectRefused(await tokenOf(expired), workerAuthFailures.certificateExpired);
    expect((await master.admin(getWorker, { params: { workerAgentId } })).certificate.notAfter).toBeNull();
  });

  it('does not keep the certificate of a worker registered by thumbprint until its token is verified', async () => {
    const pending = await createWorkerIdentity('pending-node');
    const impostor = await createWorkerIdentity('impostor-2');
    const workerAgentId = await addEnabled({ body: { thumbprint: pending.thumbprintSha1, machineName: 'pending-node' } });
    await expectRefused(await tokenOf(pending, { signWith: impostor.signingKey }), workerAuthFailures.badSignature);
    expect((await master.admin(getWorker, { params: { workerAgentId } })).certificate.thumbprintSha256).toBeNull();
  });

  it('learns a worker registered by SHA-1 thumbprint from its first token, and knows it afterwards', async () => {
    const learned = await createWorkerIdentity('learned-node');
    const workerAgentId = await addEnabled({ body: { thumbprint: learned.thumbprintSha1, machineName: 'learned-node' } });
    // Without its certificate in the token the master cannot know it yet.
    await expectRefused(await tokenOf(learned, { withCertificate: false }), workerAuthFailures.unknownCertificate);
    expect((await heartbeatWith(await tokenOf(learned))).status).toBe(200);
    const shown = await master.admin(getWorker, { params: { workerAgentId } });
    expect(shown.certificate).toMatchObject({ thumbprintSha1: learned.thumbprintSha1, thumbprintSha256: learned.thumbprintSha256 });
    expect(shown.certificate.notAfter).not.toBeNull();
    // From now on the token need not carry the certificate.
    expect((await heartbeatWith(await tokenOf(learned, { withCertificate: false }))).status).toBe(200);
  });

  it('refuses a removed worker', async () => {
    const removed = await createWorkerIdentity('removed-node');
    const workerAgentId = await addEnabled({ body: { certificate: removed.certPem } });
    expect((await heartbeatWith(await tokenOf(removed))).status).toBe(200);
    await master.admin(removeWorker, { params: { workerAgentId } });
    await expectRefused(await tokenOf(removed), workerAuthFailures.unknownCertificate);
  });
});
