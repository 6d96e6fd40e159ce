import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../contracts/client.js';
import { deployProject, listProjects } from '../../contracts/management/endpoints.js';
import { archiveLimits } from '../../contracts/project-archive.js';
import { dumpCatalog } from '../support/catalog-dump.js';
import { declareUncompressedSize, sampleProjectFiles, zipFiles, zipWithZeros } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';

const project = { folderName: 'Finance', projectName: 'ETL' };
const manifest = sampleProjectFiles()['scaleout.json']!;
const MiB = 1024 * 1024;

/**
 * Archives checked at the door: every entry is inflated and counted at deploy, so an archive a worker would refuse
 * is refused here, with a 400 naming the entry, and the catalog keeps nothing of it.
 */
describe('deploy checks what an archive inflates to', () => {
  let master: TestMaster;
  let catalogPath: string;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    catalogPath = join(master.folder, 'catalog.sqlite');
    await master.admin(deployProject, { params: project, body: await zipFiles(sampleProjectFiles()) });
  });
  afterAll(async () => {
    await master?.stop();
  });

  /** Deploys `archive`, expecting a 400; returns its problem after checking the catalog did not change. */
  async function refusal(archive: Buffer) {
    const before = dumpCatalog(catalogPath);
    const error = await master.admin(deployProject, { params: project, body: archive }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof ApiError)) throw new Error(`expected a refusal, got ${String(error)}`);
    expect(error.status).toBe(400);
    expect(dumpCatalog(catalogPath)).toEqual(before);
    return error.problem!;
  }

  it('refuses an entry that declares 1,000 bytes and inflates to 256 MB', async () => {
    const archive = declareUncompressedSize(
      await zipWithZeros({ ...sampleProjectFiles() }, { 'data/lookup.bin': 256 * MiB }),
      'data/lookup.bin',
      1000,
    );
    const problem = await refusal(archive);
    expect(problem.detail).toContain('entry "data/lookup.bin" inflates past its declared size of 1000 bytes');
    expect(problem.errors).toEqual([{ field: 'archive', reason: 'entry "data/lookup.bin" inflates past its declared size of 1000 bytes' }]);
  });

  it('refuses a manifest that inflates past its declared size', async () => {
    const padded = manifest.replace(/\}$/, `${' '.repeat(50_000)}}`);
    const archive = declareUncompressedSize(await zipFiles({ ...sampleProjectFiles(), 'scaleout.json': padded }), 'scaleout.json', 100);
    const problem = await refusal(archive);
    expect(problem.errors).toEqual([{ field: 'archive', reason: 'entry "scaleout.json" inflates past its declared size of 100 bytes' }]);
  });

  it('refuses an entry that inflates to fewer bytes than it declares', async () => {
    const archive = declareUncompressedSize(await zipFiles(sampleProjectFiles()), 'extract.mjs', 5000);
    const problem = await refusal(archive);
    expect(problem.errors?.[0]?.reason).toMatch(/^entry "extract\.mjs" inflates to \d+ bytes, not its declared 5000$/);
  });

  it('refuses an honest 900 MB bomb by its compression ratio, naming the limit', async () => {
    const archive = await zipWithZeros(sampleProjectFiles(), { 'zeros.bin': 900 * MiB });
    expect(archive.length).toBeLessThan(2 * MiB);
    const problem = await refusal(archive);
    expect(problem.errors?.[0]?.reason).toBe(
      `entry "zeros.bin" takes the archive past ${900 * MiB + totalSize(sampleProjectFiles())} bytes unpacked from ${archive.length}, ` +
        `more than the limit of ${archiveLimits.maxCompressionRatio}:1 for archives that unpack to more than ${archiveLimits.ratioFreeBytes} bytes`,
    );
  });

  it('still accepts a small archive that compresses far better than the ratio (under the ratio-free size)', async () => {
    const archive = await zipWithZeros(sampleProjectFiles(), { 'zeros.bin': 32 * MiB });
    expect(32 * MiB).toBeGreaterThan(archiveLimits.maxCompressionRatio * archive.length);
    const version = await master.admin(deployProject, { params: project, body: archive });
    expect(version.archiveSize).toBe(archive.length);
    const { projects } = await master.admin(listProjects, { query: { folder: 'Finance' } });
    expect(projects.map((p) => p.versionNumber)).toEqual([2]);
  });
});

function totalSize(files: Record<string, string>): number {
  return Object.values(files).reduce((sum, content) => sum + Buffer.byteLength(content), 0);
}
