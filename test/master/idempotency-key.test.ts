import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../contracts/client.js';
import { endpointPath, type EndpointSpec } from '../../contracts/endpoint.js';
import {
  createApiKey,
  createExecution,
  createSchedule,
  deployProject,
  listExecutions,
  startExecution,
} from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { dumpCatalog } from '../support/catalog-dump.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';

const project = { folderName: 'Finance', projectName: 'ETL' };
const extract = { ...project, packageName: 'extract', parameters: { SourcePath: '/in/a.csv' } };

interface Call {
  endpoint: EndpointSpec;
  params?: Record<string, string | number>;
  body: unknown;
}

describe('Idempotency-Key on the management writes that create something', () => {
  let master: TestMaster;
  let transport: NodeHttpsTransport;
  const catalogPath = () => `${master.folder}/catalog.sqlite`;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    await master.admin(deployProject, { params: project, body: await zipFiles(sampleProjectFiles()) });
  });

  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  /** One request as sent on the wire, with the headers given, and its answer as received. */
  async function send(call: Call, headers: Record<string, string>, apiKey = master.adminKey) {
    const zip = Buffer.isBuffer(call.body);
    const response = await transport.request({
      method: call.endpoint.method,
      path: endpointPath(call.endpoint, call.params),
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': zip ? 'application/zip' : 'application/json', ...headers },
      body: zip ? (call.body as Buffer) : Buffer.from(JSON.stringify(call.body)),
    });
    const text = Buffer.from(response.body).toString('utf8');
    return { status: response.status, replayed: response.headers['idempotent-replayed'], text, json: JSON.parse(text) as Record<string, unknown> };
  }

  /** Each guarded operation: a request, and another request of the same operation. */
  const operations: Record<string, () => Promise<{ first: Call; other: Call }>> = {
    deployProject: async () => ({
      first: { endpoint: deployProject, params: project, body: await zipFiles(sampleProjectFiles()) },
      other: { endpoint: deployProject, params: project, body: await zipFiles({ ...sampleProjectFiles(), 'notes.txt': 'v2' }) },
    }),
    createExecution: () =>
      Promise.resolve({
        first: { endpoint: createExecution, body: { ...extract, start: true } },
        other: { endpoint: createExecution, body: { ...extract, start: true, retryCount: 2 } },
      }),
    startExecution: async () => {
      const { executionId } = await master.admin(createExecution, { body: extract });
      return {
        first: { endpoint: startExecution, params: { executionId }, body: { retryCount: 1 } },
        other: { endpoint: startExecution, params: { executionId }, body: { retryCount: 2 } },
      };
    },
    createSchedule: () =>
      Promise.resolve({
        first: { endpoint: createSchedule, body: { ...extract, name: 'nightly', cron: '0 2 * * *' } },
        other: { endpoint: createSchedule, body: { ...extract, name: 'nightly-2', cron: '0 2 * * *' } },
      }),
    createApiKey: () =>
      Promise.resolve({
        first: { endpoint: createApiKey, body: { name: 'ci', role: 'reader' } },
        other: { endpoint: createApiKey, body: { name: 'ci', role: 'executor' } },
      }),
  };

  it.each(Object.keys(operations))(
    '%s: the same key and request answer the first result and change nothing; another request with the key is a 409',
    async (operation) => {
      const { first, other } = await operations[operation]!();
      const key = { 'idempotency-key': `key-${operation}` };
      const before = dumpCatalog(catalogPath());
      const answer = await send(first, key);
      expect(answer.status).toBe(first.endpoint.status ?? 200);
      expect(answer.replayed).toBeUndefined();
      const after = dumpCatalog(catalogPath());
      expect(after).not.toEqual(before);

      const replay = await send(first, key);
      expect(replay).toEqual({ ...answer, replayed: 'true' });
      expect(dumpCatalog(catalogPath())).toEqual(after);

      const refused = await send(other, key);
      expect(refused.status).toBe(409);
      expect(refused.json['errors']).toEqual([{ field: 'Idempotency-Key', reason: 'already used for another request' }]);
      expect(refused.json['detail']).toMatch(/was used for another request/);
      expect(dumpCatalog(catalogPath())).toEqual(after);
    },
  );

  it('a replayed API key creation gives the same secret, which works', async () => {
    const call = { endpoint: createApiKey, body: { name: 'deploy bot', role: 'reader' } };
    const first = await send(call, { 'idempotency-key': 'api-key-secret' });
    const again = await send(call, { 'idempotency-key': 'api-key-secret' });
    expect(again.json['secret']).toBe(first.json['secret']);
    await expect(master.as(String(first.json['secret']))(listExecutions, {})).resolves.toBeDefined();
  });

  it('refuses a malformed key with a 400 naming the header, changing nothing', async () => {
    const call = { endpoint: createExecution, body: extract };
    const before = dumpCatalog(catalogPath());
    for (const bad of ['', '""', 'a'.repeat(129), 'has space', 'quote"inside', 'back\\slash']) {
      const answer = await send(call, { 'idempotency-key': bad });
      expect(answer.status, bad).toBe(400);
      expect((answer.json['errors'] as { field: string }[]).map((e) => e.field), bad).toEqual(['Idempotency-Key']);
    }
    expect(dumpCatalog(catalogPath())).toEqual(before);
  });

  it('takes the draft\'s quoted form and the bare form as the same key', async () => {
    const call = { endpoint: createExecution, body: extract };
    const quoted = await send(call, { 'idempotency-key': '"0b6d2c1e-quoted"' });
    const bare = await send(call, { 'idempotency-key': '0b6d2c1e-quoted' });
    expect(bare.replayed).toBe('true');
    expect(bare.json['executionId']).toBe(quoted.json['executionId']);
  });

  it('keeps keys per caller: another API key with the same key makes its own', async () => {
    const { secret } = await master.admin(createApiKey, { body: { name: 'second caller', role: 'executor' } });
    const call = { endpoint: createExecution, body: extract };
    const mine = await send(call, { 'idempotency-key': 'shared-key' });
    const theirs = await send(call, { 'idempotency-key': 'shared-key' }, secret);
    expect(theirs.replayed).toBeUndefined();
    expect(theirs.json['executionId']).not.toBe(mine.json['executionId']);
  });

  it('a key an older master recorded without its answer still replays, the answer made from what was created', async () => {
    const call = { endpoint: createExecution, body: extract };
    const first = await send(call, { 'idempotency-key': 'crash-before-answer' });
    // What a master that kept the answer only after its commit left when it stopped in between: no answer kept.
    const db = new BetterSqlite3(catalogPath());
    try {
      db.prepare("UPDATE idempotency_keys SET response_body = NULL WHERE idempotency_key = 'crash-before-answer'").run();
    } finally {
      db.close();
    }
    const executions = dumpCatalog(catalogPath())['executions']!.length;
    const replay = await send(call, { 'idempotency-key': 'crash-before-answer' });
    expect(replay.status).toBe(201);
    expect(replay.replayed).toBe('true');
    expect(replay.json['executionId']).toBe(first.json['executionId']);
    expect(dumpCatalog(catalogPath())['executions']).toHaveLength(executions);
  });

  /**
   * A gateway between client and master that spoils the first answer: drops it on the floor (a TCP reset, as a master
   * killed right after its commit or a failing load balancer would) or, without forwarding, answers 503 (as a master
   * whose catalog lost its connection at the commit does). Every request and answer it saw is kept.
   */
  async function startGateway(first: 'reset' | '503') {
    const seen: { key: string | undefined; status: number; body: string; replayed: string | undefined }[] = [];
    const gateway: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const key = req.headers['idempotency-key'] as string | undefined;
        if (first === '503' && seen.length === 0) {
          seen.push({ key, status: 503, body: '', replayed: undefined });
          res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"type":"x","title":"t","status":503,"detail":"d"}');
          return;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection')) as Record<string, string>;
        void transport.request({ method: req.method!, path: req.url!, headers, body: Buffer.concat(chunks) }).then((answer) => {
          const body = Buffer.from(answer.body).toString('utf8');
          seen.push({ key, status: answer.status, body, replayed: answer.headers['idempotent-replayed'] });
          if (first === 'reset' && seen.length === 1) {
            req.socket.resetAndDestroy();
            return;
          }
          res.writeHead(answer.status, { 'content-type': answer.headers['content-type'] ?? 'application/json' }).end(body);
        });
      });
    });
    gateway.listen(0, '127.0.0.1');
    await once(gateway, 'listening');
    const client = new NodeHttpsTransport({ baseUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}` });
    return {
      seen,
      client,
      async close() {
        client.close();
        gateway.closeAllConnections();
        await new Promise<void>((resolve) => gateway.close(() => resolve()));
      },
    };
  }

  it('a client whose connection is reset after the master answered retries with the same key and creates once', async () => {
    const gateway = await startGateway('reset');
    try {
      const before = dumpCatalog(catalogPath())['executions']!.length;
      const execution = await callEndpoint(gateway.client, createExecution, { body: { ...extract, start: true } }, {
        headers: { authorization: `Bearer ${master.adminKey}` },
      });
      const { seen } = gateway;
      expect(seen).toHaveLength(2);
      expect(seen[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen[1]!.key).toBe(seen[0]!.key);
      expect(seen[1]!.replayed).toBe('true');
      expect(seen[1]!.body).toBe(seen[0]!.body);
      expect(execution.executionId).toBe((JSON.parse(seen[0]!.body) as { executionId: number }).executionId);
      expect(dumpCatalog(catalogPath())['executions']).toHaveLength(before + 1);
    } finally {
      await gateway.close();
    }
  });

  it('a client answered 503 (outcome unknown) sends the call again with the same key', async () => {
    const gateway = await startGateway('503');
    try {
      const before = dumpCatalog(catalogPath())['executions']!.length;
      const execution = await callEndpoint(gateway.client, createExecution, { body: extract }, {
        headers: { authorization: `Bearer ${master.adminKey}` },
        idempotencyKey: 'given-by-the-caller',
      });
      expect(gateway.seen.map((s) => [s.key, s.status])).toEqual([
        ['given-by-the-caller', 503],
        ['given-by-the-caller', 201],
      ]);
      expect(execution.executionId).toBeGreaterThan(0);
      expect(dumpCatalog(catalogPath())['executions']).toHaveLength(before + 1);
    } finally {
      await gateway.close();
    }
  });
});
