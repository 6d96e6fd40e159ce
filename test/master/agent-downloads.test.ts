import { BlobServiceClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentDownloadsListing, downloadAgent, listAgentDownloads } from '../../contracts/agent-downloads.js';
import { endpointPath, problemContentType } from '../../contracts/endpoint.js';
import { BlobAgentDownloads } from '../../functions/agent-downloads/agent-download-store.js';
import { sha256, writeAgentBuild } from '../support/agent-build.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';

describe('GET /api/v1/agent/downloads: the master hands out the agent build', () => {
  let master: TestMaster;
  let buildFolder: string;

  beforeAll(async () => {
    buildFolder = join(mkdtempSync(join(tmpdir(), 'scaleout-agent-build-')), 'worker');
    master = await startTestMaster({ timers: false, env: { SCALEOUT_AGENT_DOWNLOADS_FOLDER: buildFolder } });
  });

  afterAll(async () => {
    await master?.stop();
    rmSync(dirname(buildFolder), { recursive: true, force: true });
  });

  /** A plain HTTPS GET with no credential at all, as curl on a new worker machine would send. */
  const get = (path: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const req = request(new URL(path, master.url), { rejectUnauthorized: false, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  it('answers a clear 404 problem naming `npm run build:worker` while there is no build, for the list and for a file', async () => {
    for (const path of [endpointPath(listAgentDownloads), endpointPath(downloadAgent, { fileName: 'scaleout-worker-0.9.0.tgz' })]) {
      const answer = await get(path);
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe(problemContentType);
      const problem = JSON.parse(answer.body.toString('utf8')) as { detail: string };
      expect(problem.detail).toContain('no agent build');
      expect(problem.detail).toContain('npm run build:worker');
      expect(problem.detail).toContain(buildFolder);
    }
  });

  it('lists the build and streams each file with its SHA-256 in a header, to a caller with no credential', async () => {
    const { listing, files } = writeAgentBuild(buildFolder);
    const listed = await get(endpointPath(listAgentDownloads));
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body.toString('utf8'))).toEqual(listing);
    for (const download of listing.downloads) {
      const answer = await get(endpointPath(downloadAgent, { fileName: download.fileName }));
      expect(answer.status, download.fileName).toBe(200);
      expect(answer.headers['x-scaleout-sha256']).toBe(download.sha256);
      expect(answer.headers['content-length']).toBe(String(download.size));
      expect(answer.headers['content-disposition']).toBe(`attachment; filename="${download.fileName}"`);
      expect(sha256(answer.body)).toBe(download.sha256);
      expect(answer.body.equals(files.get(download.fileName)!)).toBe(true);
    }
  });

  it('serves only the files the listing names: another name is a 404 listing them, a path a 400 naming the field', async () => {
    writeFileSync(join(buildFolder, 'not-listed.txt'), 'secret');
    const unlisted = await get(endpointPath(downloadAgent, { fileName: 'not-listed.txt' }));
    expect(unlisted.status).toBe(404);
    expect((JSON.parse(unlisted.body.toString('utf8')) as { detail: string }).detail).toBe(
      "the agent build 0.9.0 has no file 'not-listed.txt'; it has scaleout-worker-0.9.0.tgz, scaleout-worker-0.9.0-linux-x64, scaleout-worker-0.9.0-win-x64.exe",
    );
    const climbing = await get('/api/v1/agent/downloads/..%2Fkeys%2Fmaster.key');
    expect(climbing.status).toBe(400);
    expect((JSON.parse(climbing.body.toString('utf8')) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['params.fileName']);
  });

  it('names both routes in the OpenAPI document, open to anyone', async () => {
    const document = JSON.parse((await get('/api/v1/openapi.json')).body.toString('utf8')) as { paths: Record<string, { get?: { security: unknown[] } }> };
    expect(document.paths['/api/v1/agent/downloads']?.get?.security).toEqual([]);
    expect(document.paths['/api/v1/agent/downloads/{fileName}']?.get?.security).toEqual([]);
  });

  it('reads the same build from a blob container, as an Azure master does (Azurite here)', async () => {
    const storage = master.host.services.config.projectArchives.storage;
    if (storage.kind !== 'connection-string') throw new Error('the test master has its own Azurite');
    const store = BlobAgentDownloads.fromConnectionString(storage.connectionString, 'agent-downloads-test');
    expect(await store.readListing()).toBeUndefined();
    expect(store.missingBuildHint).toContain("to the blob container 'agent-downloads-test'");
    const container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient('agent-downloads-test');
    await container.create();
    try {
      const { listing, files } = writeAgentBuild(join(master.folder, 'for-blob'));
      for (const [fileName, bytes] of files) await container.getBlockBlobClient(fileName).uploadData(bytes);
      await container.getBlockBlobClient(agentDownloadsListing).uploadData(Buffer.from(JSON.stringify(listing)));
      expect(await store.readListing()).toEqual(listing);
      const linux = listing.downloads.find((d) => d.platform === 'linux-x64')!;
      const hash = createHash('sha256');
      for await (const chunk of Readable.from(await store.open(linux))) hash.update(chunk as Buffer);
      expect(hash.digest('hex')).toBe(linux.sha256);
    } finally {
      await container.delete();
    }
  });
});
