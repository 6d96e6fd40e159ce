import azureFunctions from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointPath, problemContentType } from '../../contracts/endpoint.js';
import { addWorker, enableScaleOut, enableWorker, getExecution, getMasterStatus } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { claimTasks } from '../../contracts/worker-protocol.js';
import { fromAzureRequest, invocationOf, toAzureResponse } from '../../functions/azure-adapter.js';
import { functionTable } from '../../functions/function-table.js';
import type { HttpFunction } from '../../functions/http/define-handler.js';
import { runHttpFunction } from '../../functions/http/run-http-function.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerToken, type WorkerIdentity } from '../support/test-worker.js';

// Named ESM imports of @azure/functions fail at run time: it is CommonJS.
const { HttpRequest, HttpResponse, InvocationContext } = azureFunctions;

const fn = (name: string): HttpFunction => functionTable.find((f): f is HttpFunction => f.kind === 'http' && f.name === name)!;

interface Answer {
  status: number;
  contentType: string | null;
  json: unknown;
}

describe('the Azure Functions adapter answers as the local host does', () => {
  let master: TestMaster;
  let identity: WorkerIdentity;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    await master.admin(enableScaleOut, {});
    identity = await createWorkerIdentity('azure-node');
    const { workerAgentId } = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!;
    await master.admin(enableWorker, { params: { workerAgentId } });
  });

  afterAll(async () => {
    await master?.stop();
  });

  /** One call through @azure/functions' own request and response types, as the Functions host would make it. */
  async function viaAzure(name: string, init: { path: string; params?: Record<string, string>; headers: Record<string, string>; body?: string }): Promise<Answer> {
    const httpFunction = fn(name);
    const request = new HttpRequest({
      method: httpFunction.method,
      url: `${master.url}${init.path}`,
      headers: init.headers,
      params: init.params ?? {},
      ...(init.body !== undefined ? { body: { string: init.body } } : {}),
    });
    const context = new InvocationContext({ invocationId: `test-${name}`, functionName: name });
    const responseInit = toAzureResponse(
      await runHttpFunction(httpFunction, fromAzureRequest(request, httpFunction), master.host.services, invocationOf(context)),
    );
    const response = new HttpResponse(responseInit);
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
  }

  /** The same call over HTTPS to the local host. */
  async function viaLocalHost(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
    const transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    try {
      const response = await transport.request({ method, path, headers, ...(body !== undefined ? { body: Buffer.from(body) } : {}) });
      const text = Buffer.from(response.body).toString('utf8');
      return { status: response.status, contentType: response.headers['content-type'] ?? null, json: text ? JSON.parse(text) : undefined };
    } finally {
      transport.close();
    }
  }

  it('serves a management read with the same answer', async () => {
    const headers = { authorization: `Bearer ${master.adminKey}` };
    const azure = await viaAzure('getMasterStatus', { path: endpointPath(getMasterStatus), headers });
    const local = await viaLocalHost('GET', endpointPath(getMasterStatus), headers);
    expect(azure).toEqual(local);
    expect(azure).toMatchObject({ status: 200, json: { isScaleOutEnabled: true, catalogEngine: 'sqlite' } });
  });

  it('answers a malformed body, a missing key and an unknown execution with the same problems', async () => {
    const admin = { authorization: `Bearer ${master.adminKey}`, 'content-type': 'application/json' };
    const badBody = JSON.stringify({ folderName: 'F', projectName: 'P', packageName: 42 });
    const azureBad = await viaAzure('createExecution', { path: '/api/v1/executions', headers: admin, body: badBody });
    expect(azureBad).toEqual(await viaLocalHost('POST', '/api/v1/executions', admin, badBody));
    expect(azureBad).toMatchObject({ status: 400, contentType: problemContentType, json: { errors: [{ field: 'body.packageName' }] } });

    const anonymous = await viaAzure('getMasterStatus', { path: '/api/v1/master', headers: {} });
    expect(anonymous).toEqual(await viaLocalHost('GET', '/api/v1/master', {}));
    expect(anonymous.status).toBe(401);

    const path = endpointPath(getExecution, { executionId: 4242 });
    const missing = await viaAzure('getExecution', { path, params: { executionId: '4242' }, headers: admin });
    expect(missing).toEqual(await viaLocalHost('GET', path, admin));
    expect(missing).toMatchObject({ status: 404, contentType: problemContentType });
  });

  it('authenticates a worker and serves its claim', async () => {
    const headers = async () => ({ authorization: `Bearer ${await workerToken(identity, master.url)}`, 'content-type': 'application/json' });
    const body = JSON.stringify({ freeSlots: 2, waitMs: 0 });
    const azure = await viaAzure('claimTasks', { path: endpointPath(claimTasks), headers: await headers(), body });
    expect(azure).toEqual(await viaLocalHost('POST', endpointPath(claimTasks), await headers(), body));
    expect(azure).toMatchObject({ status: 200, json: { tasks: [], leaseMs: 20_000 } });
  });

  it('refuses a body over the function’s limit from its declared length', async () => {
    const headers = { authorization: `Bearer ${master.adminKey}`, 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) };
    const azure = await viaAzure('createApiKey', { path: '/api/v1/api-keys', headers, body: '{}' });
    expect(azure).toMatchObject({ status: 413, contentType: problemContentType, json: { errors: [{ field: 'body' }] } });
  });
});
