import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../contracts/client.js';
import { addWorker, deployProject, enableWorker } from '../../contracts/management/endpoints.js';
import { endpointPath } from '../../contracts/endpoint.js';
import { archiveSha256Header, downloadArchive } from '../../contracts/worker-protocol.js';
import { migrateSqlite, sqliteMigrations } from '../../functions/catalog/sqlite/migrate.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerToken } from '../support/test-worker.js';

/**
 * Project archives live in Blob Storage (Azurite's blob service on the one-box): deployed into it, served from it
 * to workers, and moved into it from catalogs that held them before.
 */
describe('project archives in Blob Storage', () => {
  let folder: string;
  let master: TestMaster | undefined;
  afterEach(async () => {
    await master?.stop();
    master = undefined;
    rmSync(folder, { recursive: true, force: true });
  });

  async function start(): Promise<TestMaster> {
    master = await startTestMaster({ folder, timers: false });
    return master;
  }

  /** Downloads a version's archive as a registered, enabled worker does. */
  async function download(m: TestMaster, projectVersionId: number): Promise<{ status: number; sha256: string | undefined; bytes: Buffer }> {
    const identity = await createWorkerIdentity(`archive-reader-${randomBytes(3).toString('hex')}`);
    const { worker } = await m.admin(addWorker, { body: { certificate: identity.certPem } });
    await m.admin(enableWorker, { params: { workerAgentId: worker!.workerAgentId } });
    const authorization = `Bearer ${await workerToken(identity, m.url)}`;
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(endpointPath(downloadArchive, { projectVersionId }), m.url),
        { headers: { authorization }, rejectUnauthorized: false, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: res.headers[archiveSha256Header] as string | undefined, bytes: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The blobs in the master's archive container, by name. */
  async function blobNames(m: TestMaster): Promise<string[]> {
    const { storage, container } = m.host.services.config.projectArchives;
    if (storage.kind !== 'connection-string') throw new Error('the one-box names Azurite by a connection string');
    const names: string[] = [];
    for await (const blob of BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(container).listBlobsFlat()) {
      names.push(blob.name);
    }
    return names;
  }

  it('keeps a deployed archive as a blob and serves it to a worker byte for byte; a refused one leaves no blob', async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-archives-'));
    const m = await start();
    // 20 MB that does not compress, so the archive is streamed in several blocks each way.
    const archive = await zipFiles({ ...sampleProjectFiles(), 'data/blob.bin': randomBytes(20 * 1024 * 1024) });
    const version = await m.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: archive });
    expect(version).toMatchObject({ archiveSize: archive.length, archiveSha256: createHash('sha256').update(archive).digest('hex') });
    const blobs = await blobNames(m);
    expect(blobs).toHaveLength(1);
    expect(blobs[0]).toMatch(/^Finance\/ETL\/[0-9a-f-]{36}\.zip$/);

    const served = await download(m, version.projectVersionId);
    expect(served.status).toBe(200);
    expect(served.sha256).toBe(version.archiveSha256);
    expect(served.bytes.equals(archive)).toBe(true);

    const refused = await m.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: Buffer.from('not a zip') }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
    expect(await blobNames(m)).toEqual(blobs);
  });

  it('moves the archives an older one-box catalog holds into Blob Storage, and still serves them', async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-archives-'));
    const archive = await zipFiles(sampleProjectFiles());
    const sha256 = createHash('sha256').update(archive).digest('hex');
    // A catalog as the one-box left it before archives moved out: the migrations before, the archive in its row.
    mkdirSync(folder, { recursive: true });
    const catalogPath = join(folder, 'catalog.sqlite');
    const old = new BetterSqlite3(catalogPath);
    migrateSqlite(old, sqliteMigrations.slice(0, sqliteMigrations.findIndex((migration) => migration.name === 'archives-in-blob-storage')));
    old.prepare(`INSERT INTO folders (name, description, created_time) VALUES ('Finance', '', 1)`).run();
    old.prepare(`INSERT INTO projects (folder_id, name, created_time) VALUES (1, 'ETL', 1)`).run();
    old
      .prepare(
        `INSERT INTO project_versions (project_id, version_number, archive, archive_sha256, archive_size, manifest, deployed_by, deployed_time)
         VALUES (1, 1, ?, ?, ?, '{}', 'admin', 1)`,
      )
      .run(archive, sha256, archive.length);
    old.prepare(`INSERT INTO packages (project_version_id, name, runner, entry, arguments, parameters) VALUES (1, 'load', 'process', 'bin/load.sh', '[]', '[]')`).run();
    old.close();

    let m = await start();
    const served = await download(m, 1);
    expect(served).toMatchObject({ status: 200, sha256 });
    expect(served.bytes.equals(archive)).toBe(true);
    expect(await blobNames(m)).toEqual([expect.stringMatching(/^Finance\/ETL\/[0-9a-f-]{36}\.zip$/)]);
    const row = (): { archive: Buffer; archive_name: string | null } => {
      const db = new BetterSqlite3(catalogPath, { readonly: true });
      try {
        return db.prepare('SELECT archive, archive_name FROM project_versions WHERE project_version_id = 1').get() as never;
      } finally {
        db.close();
      }
    };
    const moved = row();
    expect(moved.archive.length).toBe(0);
    expect(await blobNames(m)).toEqual([moved.archive_name]);

    // A restart has nothing left to move: the same blob, still served (Azurite keeps its blobs in the data folder).
    await m.stop();
    m = await start();
    expect(row().archive_name).toBe(moved.archive_name);
    expect(await blobNames(m)).toEqual([moved.archive_name]);
    expect((await download(m, 1)).bytes.equals(archive)).toBe(true);
  });
});
