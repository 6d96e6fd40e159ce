import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemContentType, type EndpointSpec } from '../../contracts/endpoint.js';
import {
  addWorker,
  createApiKey,
  enableScaleOut,
  getCaller,
  getMasterStatus,
  listApiKeys,
  listAuditTrail,
  listWorkers,
  managementEndpoints,
  revokeApiKey,
} from '../../contracts/management/endpoints.js';
import { agentDownloadEndpoints } from '../../contracts/agent-downloads.js';
import { enrollmentEndpoints } from '../../contracts/enrollment.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { getOpenApiDocument } from '../../contracts/openapi.js';
import { taskEndpoints } from '../../contracts/task-api.js';
import { workerEndpoints } from '../../contracts/worker-protocol.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity } from '../support/test-worker.js';
import { until } from '../support/until.js';

describe('the management API: keys, roles, audit, its OpenAPI document and routing', () => {
  let master: TestMaster;
  let transport: NodeHttpsTransport;

  async function raw(method: string, path: string, headers: Record<string, string> = {}) {
    const response = await transport.request({ method, path, headers });
    const text = Buffer.from(response.body).toString('utf8');
    return { status: response.status, headers: response.headers, json: JSON.parse(text) as Record<string, unknown> };
  }

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
  });

  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  it('records the master heartbeat at start, long before its first scheduled run', async () => {
    // The heartbeat schedule is every 30 s and this master runs no schedules at all: only the start-up run counts.
    const status = await until('the start-up heartbeat', async () => {
      const shown = await master.admin(getMasterStatus, {});
      return shown.lastOnlineTime !== null && shown;
    });
    expect(status).toMatchObject({ masterAddress: master.host.services.config.masterAddress, heartbeatAgeSeconds: expect.any(Number) });
  });

  it('refuses calls without a key, with a malformed, unknown or wrong key, with 401 problems', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-key' },
      { authorization: `Bearer so_aaaaaaaaaaaa_${'b'.repeat(43)}` },
      { authorization: master.adminKey.replace(/_[^_]{43}$/, `_${'c'.repeat(43)}`) },
      { 'x-api-key': 'so_short' },
    ];
    for (const headers of attempts) {
      const response = await raw('GET', '/api/v1/master', headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers['content-type']).toBe(problemContentType);
      expect(response.json).toMatchObject({ status: 401, type: 'urn:scaleout:problem:unauthorized' });
    }
    expect((await raw('GET', '/api/v1/master', { 'x-api-key': master.adminKey })).status).toBe(200);
  });

  it('refuses a role below the endpoint’s with 403 naming the role needed', async () => {
    const reader = await master.admin(createApiKey, { body: { name: 'dashboard', role: 'reader' } });
    const executor = await master.admin(createApiKey, { body: { name: 'scheduler', role: 'executor' } });
    await expect(master.as(reader.secret)(getMasterStatus, {})).resolves.toMatchObject({ catalogEngine: 'sqlite' });
    // GET /me tells a client its role, so it can hide what the role may not do.
    await expect(master.as(reader.secret)(getCaller, {})).resolves.toEqual({ actor: `apikey:${reader.apiKey.apiKeyId}`, role: 'reader' });
    await expect(master.as(executor.secret)(getCaller, {})).resolves.toMatchObject({ role: 'executor' });
    await expect(master.admin(getCaller, {})).resolves.toMatchObject({ role: 'admin' });
    await expect(master.as(undefined)(getCaller, {})).rejects.toMatchObject({ status: 401 });
    for (const key of [reader, executor]) {
      const refused = master.as(key.secret)(enableScaleOut, {});
      await expect(refused).rejects.toMatchObject({ status: 403, problem: { type: 'urn:scaleout:problem:forbidden' } });
      await expect(refused).rejects.toThrow(`this needs the admin role; apikey:${key.apiKey.apiKeyId} has ${key.apiKey.role}`);
    }
  });

  it('shows a new key’s secret once, lists keys without secrets, and a revoked key stops working at once', async () => {
    const created = await master.admin(createApiKey, { body: { name: '  nightly  ', role: 'executor' } });
    expect(created.apiKey).toMatchObject({ name: 'nightly', role: 'executor', revokedTime: null });
    expect(created.secret).toMatch(new RegExp(`^so_${created.apiKey.apiKeyId}_`));
    const executor = master.as(created.secret);
    await expect(executor(listWorkers, {})).resolves.toMatchObject({ workers: [] });

    const listed = await master.admin(listApiKeys, {});
    expect(listed.apiKeys.map((k) => k.apiKeyId)).toContain(created.apiKey.apiKeyId);
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(-43));
    expect(listed.apiKeys.find((k) => k.apiKeyId === created.apiKey.apiKeyId)?.lastUsedTime).not.toBeNull();

    const revoked = await master.admin(revokeApiKey, { params: { apiKeyId: created.apiKey.apiKeyId } });
    expect(revoked.revokedTime).not.toBeNull();
    await expect(executor(listWorkers, {})).rejects.toMatchObject({ status: 401, problem: { detail: 'this API key was revoked' } });
    await expect(master.admin(revokeApiKey, { params: { apiKeyId: 'nosuchkey000' } })).rejects.toMatchObject({ status: 404 });
  });

  it('keeps an audit trail of topology changes, newest first, paged', async () => {
    await master.admin(enableScaleOut, {});
    const identity = await createWorkerIdentity('audited-node');
    const added = await master.admin(addWorker, { body: { certificate: identity.certPem } });
    const key = await master.admin(createApiKey, { body: { name: 'audited', role: 'reader' } });
    await master.admin(revokeApiKey, { params: { apiKeyId: key.apiKey.apiKeyId } });

    const { entries } = await master.admin(listAuditTrail, { query: { limit: 4 } });
    const adminActor = `apikey:${/^so_([a-z0-9]{12})_/.exec(master.adminKey)![1]}`;
    expect(entries.map((e) => [e.action, e.targetId, e.actor])).toEqual([
      ['revoke-api-key', key.apiKey.apiKeyId, adminActor],
      ['create-api-key', key.apiKey.apiKeyId, adminActor],
      ['add-worker-agent', added.worker!.workerAgentId, adminActor],
      ['enable-scaleout', 'master', adminActor],
    ]);
    const next = await master.admin(listAuditTrail, { query: { limit: 4, offset: 4 } });
    expect(next.entries.length).toBeGreaterThan(0);
    expect(next.entries[0]!.auditId).toBeLessThan(entries.at(-1)!.auditId);
  });

  it('serves an OpenAPI 3.1 document naming every endpoint of the contracts', async () => {
    const response = await raw('GET', '/api/v1/openapi.json');
    expect(response.status).toBe(200);
    const document = response.json as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toBeTruthy();
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const expected: readonly EndpointSpec[] = [...workerEndpoints, ...enrollmentEndpoints, ...agentDownloadEndpoints, ...managementEndpoints, ...taskEndpoints, getOpenApiDocument];
    expect(operations.map((o) => o.operation.operationId).sort()).toEqual(expected.map((e) => e.operationId).sort());
    for (const endpoint of expected) {
      const found = operations.find((o) => o.operation.operationId === endpoint.operationId)!;
      expect(found.path).toBe(`/api${endpoint.path}`);
      expect(found.method).toBe(endpoint.method.toLowerCase());
      expect(Object.keys(found.operation.responses).length).toBeGreaterThan(0);
    }
    // Every reference resolves to a component of the document itself.
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(document.components.schemas, ref).toHaveProperty([ref.slice('#/components/schemas/'.length)]);
    }
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKey', 'apiKeyHeader', 'enrollmentToken', 'taskCredential', 'workerToken']);
  });

  it('answers an unknown path with a 404 problem and a wrong method with 405 and Allow', async () => {
    const missing = await raw('GET', '/api/v1/nothing-here', { authorization: `Bearer ${master.adminKey}` });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe(problemContentType);
    expect(missing.json).toMatchObject({ status: 404, type: 'urn:scaleout:problem:not-found', instance: '/api/v1/nothing-here' });

    const wrong = await raw('DELETE', '/api/v1/master', { authorization: `Bearer ${master.adminKey}` });
    expect(wrong.status).toBe(405);
    expect(wrong.headers['content-type']).toBe(problemContentType);
    expect(wrong.headers['allow']).toBe('GET');
    expect(wrong.json).toMatchObject({ status: 405, type: 'urn:scaleout:problem:method-not-allowed' });

    const workers = await raw('PUT', '/api/v1/workers/some-id', { authorization: `Bearer ${master.adminKey}` });
    expect(workers.status).toBe(405);
    expect(workers.headers['allow']!.split(', ').sort()).toEqual(['DELETE', 'GET', 'PATCH']);
  });
});
