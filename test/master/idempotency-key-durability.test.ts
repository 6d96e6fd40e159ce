import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeyRetentionMs } from '../../contracts/idempotency-key.js';
import { callEndpoint } from '../../contracts/client.js';
import { endpointPath } from '../../contracts/endpoint.js';
import { createExecution, deployProject } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { startAzurite, type RunningAzurite } from '../../functions/local-host/azurite.js';
import { insertAdminKey } from '../support/shared-catalog-masters.js';
import { dumpCatalog } from '../support/catalog-dump.js';
import { startClockedMaster, type ClockedMaster } from '../support/clocked-master.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';

const extract = { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameters: { SourcePath: '/in/a.csv' } };

describe('Idempotency-Keys across a master crash and past their 24 hours', () => {
  let folder: string;
  let catalogPath: string;
  let azurite: RunningAzurite;
  let env: Record<string, string>;
  let master: ClockedMaster | undefined;
  let adminKey: string;
  const start = Date.now();

  async function startMaster(time: number): Promise<NodeHttpsTransport> {
    master = await startClockedMaster(env, time);
    return new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.thumbprint });
  }

  async function create(transport: NodeHttpsTransport, key: string) {
    const response = await transport.request({
      method: createExecution.method,
      path: endpointPath(createExecution, {}),
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: Buffer.from(JSON.stringify(extract)),
    });
    const text = Buffer.from(response.body).toString('utf8');
    return { status: response.status, replayed: response.headers['idempotent-replayed'], executionId: (JSON.parse(text) as { executionId?: number }).executionId };
  }

  const keysLeft = (): string[] => {
    const db = new BetterSqlite3(catalogPath, { readonly: true });
    try {
      return (db.prepare('SELECT idempotency_key FROM idempotency_keys ORDER BY idempotency_key').all() as { idempotency_key: string }[]).map(
        (row) => row.idempotency_key,
      );
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-idempotency-'));
    catalogPath = join(folder, 'catalog.sqlite');
    adminKey = await insertAdminKey(catalogPath);
    azurite = await startAzurite(join(folder, 'azurite'));
    env = {
      SCALEOUT_CATALOG_SQLITE_PATH: catalogPath,
      SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
      SCALEOUT_PORT: '0',
      AzureWebJobsStorage: azurite.connectionString,
    };
  });

  afterAll(async () => {
    await master?.stop();
    await azurite?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('a create answered just before the master was killed with SIGKILL is replayed by the restarted master, not made twice', async () => {
    let transport = await startMaster(start);
    await callEndpoint(transport, deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) }, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const first = await create(transport, 'before-the-crash');
    expect(first.status).toBe(201);
    transport.close();
    await master!.kill();

    transport = await startMaster(start + 1_000);
    const retry = await create(transport, 'before-the-crash');
    transport.close();
    expect(retry).toEqual({ status: 201, replayed: 'true', executionId: first.executionId });
    expect(dumpCatalog(catalogPath)['executions']).toHaveLength(1);
  });

  it('the cleanup removes keys past their 24 hours even with OPERATION_CLEANUP_ENABLED false, and leaves the executions', async () => {
    const db = new BetterSqlite3(catalogPath);
    try {
      db.prepare("UPDATE master_properties SET property_value = 'false' WHERE property_name = 'OPERATION_CLEANUP_ENABLED'").run();
    } finally {
      db.close();
    }
    const transport = new NodeHttpsTransport({ baseUrl: master!.url, pinnedThumbprint: master!.thumbprint });
    await master!.setTime(start + idempotencyKeyRetentionMs / 2);
    expect((await create(transport, 'a-day-later')).status).toBe(201);
    transport.close();

    await master!.setTime(start + idempotencyKeyRetentionMs + 2_000);
    await master!.runTimer('cleanupCompletedJobs');
    expect(keysLeft()).toEqual(['a-day-later']);
    expect(dumpCatalog(catalogPath)['executions']).toHaveLength(2);
  });
});
