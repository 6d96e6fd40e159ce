import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveCache, ArchiveIntegrityError } from '../../worker-agent/archive-cache.js';
import { UnsafeArchiveError } from '../../worker-agent/safe-unzip.js';
import { zipEntries } from './support/zip.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-archives-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function countingFetcher(archive: Buffer): { fetch: (id: number) => Promise<Uint8Array>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    fetch: async (id) => {
      calls.push(id);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return archive;
    },
  };
}

describe('the archive cache', () => {
  it('fetches a project version once, however many tasks need it at the same time, and verifies it', async () => {
    const archive = await zipEntries([{ name: 'main.mjs', content: 'export default () => {}' }]);
    const fetcher = countingFetcher(archive);
    const cache = new ArchiveCache(root, fetcher.fetch);
    const ref = { projectVersionId: 3, sha256: sha256(archive), size: archive.length };
    const folders = await Promise.all([cache.unpacked(ref), cache.unpacked(ref), cache.unpacked(ref)]);
    expect(fetcher.calls).toEqual([3]);
    expect(new Set(folders)).toEqual(new Set([join(root, ref.sha256)]));
    expect(readFileSync(join(folders[0] ?? '', 'main.mjs'), 'utf8')).toBe('export default () => {}');
  });

  it('serves a later task, and an agent restarted on the same folder, from disk without fetching again', async () => {
    const archive = await zipEntries([{ name: 'main.mjs', content: 'x' }]);
    const ref = { projectVersionId: 4, sha256: sha256(archive), size: archive.length };
    const first = countingFetcher(archive);
    await new ArchiveCache(root, first.fetch).unpacked(ref);
    await new ArchiveCache(root, first.fetch).unpacked(ref);
    const afterRestart = countingFetcher(archive);
    await new ArchiveCache(root, afterRestart.fetch).unpacked(ref);
    expect(first.calls).toEqual([4]);
    expect(afterRestart.calls).toEqual([]);
  });

  it('refuses an archive whose SHA-256 is not the announced one, and caches nothing', async () => {
    const archive = await zipEntries([{ name: 'main.mjs', content: 'tampered' }]);
    const announced = 'a'.repeat(64);
    const cache = new ArchiveCache(root, countingFetcher(archive).fetch);
    const error = await cache.unpacked({ projectVersionId: 5, sha256: announced, size: archive.length }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toContain(`is not the announced one (SHA-256 ${announced}); refused`);
    expect(readdirSync(root)).toEqual([]);
  });

  it('leaves nothing behind when the archive is unsafe, and fetches again next time', async () => {
    const archive = await zipEntries([{ name: 'main.mjs' }, { name: 'link', content: '/etc', mode: 0o120777 }]);
    const fetcher = countingFetcher(archive);
    const cache = new ArchiveCache(root, fetcher.fetch);
    const ref = { projectVersionId: 6, sha256: sha256(archive), size: archive.length };
    await expect(cache.unpacked(ref)).rejects.toThrow(UnsafeArchiveError);
    await expect(cache.unpacked(ref)).rejects.toThrow('entry "link" is a symbolic link');
    expect(fetcher.calls).toEqual([6, 6]);
    expect(existsSync(join(root, ref.sha256))).toBe(false);
    expect(readdirSync(root).filter((name) => name.startsWith('.staging'))).toEqual([]);
  });
});
