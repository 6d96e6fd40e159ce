import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, callEndpoint } from '../../contracts/client.js';
import { enableScaleOut, listWorkers } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';

/** The header App Service authentication sets once it has validated an Entra ID caller's token. */
function clientPrincipal(name: string, roles: string[]): string {
  const claims = [{ typ: 'name', val: name }, ...roles.map((role) => ({ typ: 'roles', val: role }))];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims })).toString('base64');
}

// What reaches the app after App Service authentication: the caller's own Bearer token (a JWT, not an API key)
// and the principal the platform vouches for.
const entraToken = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGk6Ly9zY2FsZW91dCJ9.c2lnbmF0dXJl';

async function problemOf(call: Promise<unknown>): Promise<{ status: number; detail: string }> {
  const error = await call.then(() => undefined, (thrown: unknown) => thrown);
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return { status: error.status, detail: error.message };
}

describe('management API behind App Service authentication (SCALEOUT_ENTRA_AUTH)', () => {
  let master: TestMaster;
  let transport: NodeHttpsTransport;
  const asEntra = (headers: Record<string, string>) => ({ headers: { authorization: `Bearer ${entraToken}`, ...headers } });

  beforeAll(async () => {
    master = await startTestMaster({ env: { SCALEOUT_ENTRA_AUTH: 'true' } });
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
  });
  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  it('takes the role from the Entra app roles, beside the caller\'s own Bearer token', async () => {
    const reader = asEntra({ 'x-ms-client-principal': clientPrincipal('dba@contoso.com', ['ScaleOut.Reader']) });
    await expect(callEndpoint(transport, listWorkers, {}, reader)).resolves.toMatchObject({ workers: [] });
    expect(await problemOf(callEndpoint(transport, enableScaleOut, {}, reader))).toMatchObject({
      status: 403,
      detail: expect.stringContaining('this needs the admin role; entra:dba@contoso.com has reader'),
    });
    const admin = asEntra({ 'x-ms-client-principal': clientPrincipal('ops@contoso.com', ['ScaleOut.Reader', 'ScaleOut.Admin']) });
    await expect(callEndpoint(transport, enableScaleOut, {}, admin)).resolves.toBeDefined();
  });

  it('refuses an Entra caller without a Scale Out app role, naming the roles', async () => {
    const nobody = asEntra({ 'x-ms-client-principal': clientPrincipal('guest@contoso.com', []) });
    expect(await problemOf(callEndpoint(transport, listWorkers, {}, nobody))).toMatchObject({
      status: 403,
      detail: expect.stringContaining('guest@contoso.com has none of the app roles ScaleOut.Admin, ScaleOut.Executor, ScaleOut.Reader'),
    });
  });

  it('still takes API keys, and refuses a Bearer token that no principal vouches for', async () => {
    await expect(master.admin(listWorkers, {})).resolves.toBeDefined();
    expect(await problemOf(callEndpoint(transport, listWorkers, {}, asEntra({})))).toMatchObject({
      status: 401,
      detail: expect.stringContaining('the API key is not in the form so_<id>_<secret>'),
    });
  });
});

describe('management API without SCALEOUT_ENTRA_AUTH', () => {
  it('ignores a principal header: anyone could send one', async () => {
    const master = await startTestMaster();
    const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    try {
      const forged = { headers: { 'x-ms-client-principal': clientPrincipal('mallory', ['ScaleOut.Admin']) } };
      expect(await problemOf(callEndpoint(transport, listWorkers, {}, forged))).toMatchObject({
        status: 401,
        detail: expect.stringContaining('no credentials'),
      });
    } finally {
      transport.close();
      await master.stop();
    }
  });
});
