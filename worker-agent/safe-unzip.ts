import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { archiveLimits, UnsafeArchiveError, walkProjectArchive } from '../contracts/project-archive.js';
import { asError } from './errors.js';

export { UnsafeArchiveError };

export interface UnzipLimits {
  /** @default 10000 */
  maxEntries?: number;
  /** Bytes written in all, counted as they are written. @default 1 GiB */
  maxTotalBytes?: number;
}

/**
 * Unpacks a project archive without trusting it. A zip entry names its own path, so a hostile or broken archive
 * could write anywhere the worker's account can (CVE-2024-42471 and its many cousins). The entries are checked by
 * the same walk the master made on deploy (contracts/project-archive.ts), and here once more against the folder
 * they land in and against the bytes really written (declared sizes can lie).
 */
export async function safeUnzip(archive: Buffer, targetDir: string, limits: UnzipLimits = {}): Promise<{ files: number; bytes: number }> {
  const maxEntries = limits.maxEntries ?? archiveLimits.maxEntries;
  const maxTotalBytes = limits.maxTotalBytes ?? archiveLimits.maxUncompressedBytes;
  let bytes = 0;
  let files = 0;
  await walkProjectArchive(archive, async (entry) => {
    const target = resolve(targetDir, entry.name);
    const inside = relative(targetDir, target);
    if (inside.startsWith('..') || isAbsolute(inside)) throw new UnsafeArchiveError(entry.name, 'resolves outside the project folder');
    if (entry.kind === 'directory') {
      await mkdir(target, { recursive: true });
      return;
    }
    await mkdir(dirname(target), { recursive: true });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxTotalBytes) {
          callback(new UnsafeArchiveError(entry.name, `takes the archive past the limit of ${maxTotalBytes} bytes unpacked`));
        } else callback(null, chunk);
      },
    });
    try {
      await pipeline(await entry.open(), counter, createWriteStream(target, { flags: 'wx', mode: entry.executable ? 0o755 : 0o644 }));
    } catch (thrown) {
      const error = asError(thrown);
      if (error instanceof UnsafeArchiveError) throw error;
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UnsafeArchiveError(entry.name, 'appears twice in the archive');
      throw new UnsafeArchiveError(entry.name, `cannot be unpacked: ${error.message}`, { cause: error });
    }
    files += 1;
  }, { ...archiveLimits, maxEntries, maxUncompressedBytes: maxTotalBytes });
  await mkdir(targetDir, { recursive: true });
  return { files, bytes };
}
