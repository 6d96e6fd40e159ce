import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { asError } from './errors.js';

/**
 * Unpacks a project archive without trusting it. A zip entry names its own path, so a hostile or broken archive
 * could write anywhere the worker's account can (CVE-2024-42471 and its many cousins). Every entry is checked
 * before anything is written: no absolute path, no `..`, no symbolic link, no device or pipe, no `:` (Windows
 * alternate streams), no name twice; and the whole archive has entry-count and size limits against zip bombs.
 */
export interface UnzipLimits {
  /** @default 10000 */
  maxEntries?: number;
  /** Bytes written in all, counted as they are written (declared sizes can lie). @default 1 GiB */
  maxTotalBytes?: number;
}

/** The archive is refused; `entry` is the offending name as stored, `reason` says why. */
export class UnsafeArchiveError extends Error {
  constructor(
    readonly entry: string | undefined,
    readonly reason: string,
    options?: { cause?: Error },
  ) {
    super(entry === undefined ? `archive refused: ${reason}` : `archive refused: entry ${JSON.stringify(entry)} ${reason}`, options);
    this.name = 'UnsafeArchiveError';
  }
}

const fileTypeMask = 0o170000;
const fileTypes = { regular: 0o100000, directory: 0o040000, symlink: 0o120000 } as const;

/** Why an entry name cannot be unpacked, or `undefined` when it can. Backslashes have become slashes. */
export function unsafeEntryReason(name: string): string | undefined {
  if (name === '' || name === '/') return 'has an empty name';
  if (name.includes('\0')) return 'has a NUL character in its name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  if (name.split('/').includes('..')) return "climbs out of the project folder with '..'";
  if (name.includes(':')) return "has a ':' in its name (not portable; an alternate data stream on Windows)";
  return undefined;
}

export async function safeUnzip(archive: Buffer, targetDir: string, limits: UnzipLimits = {}): Promise<{ files: number; bytes: number }> {
  const maxEntries = limits.maxEntries ?? 10_000;
  const maxTotalBytes = limits.maxTotalBytes ?? 1024 ** 3;
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
  } catch (thrown) {
    throw new UnsafeArchiveError(undefined, `is not a readable zip file: ${asError(thrown).message}`, { cause: asError(thrown) });
  }
  if (zip.entryCount > maxEntries) {
    zip.close();
    throw new UnsafeArchiveError(undefined, `has ${zip.entryCount} entries, more than the limit of ${maxEntries}`);
  }
  await mkdir(targetDir, { recursive: true });
  let bytes = 0;
  let files = 0;
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const reason = unsafeEntryReason(name);
      if (reason) throw new UnsafeArchiveError(name, reason);
      const mode = madeOnUnix(entry) ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
      const type = mode & fileTypeMask;
      if (type === fileTypes.symlink) throw new UnsafeArchiveError(name, 'is a symbolic link');
      const isDirectory = name.endsWith('/') || type === fileTypes.directory;
      if (type !== 0 && type !== fileTypes.regular && !isDirectory) {
        throw new UnsafeArchiveError(name, 'is not a regular file or folder (a device, pipe or socket)');
      }
      if (entry.isEncrypted()) throw new UnsafeArchiveError(name, 'is encrypted');
      const target = resolve(targetDir, name);
      const inside = relative(targetDir, target);
      if (inside.startsWith('..') || isAbsolute(inside)) throw new UnsafeArchiveError(name, 'resolves outside the project folder');
      if (isDirectory) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > maxTotalBytes) {
            callback(new UnsafeArchiveError(name, `takes the archive past the limit of ${maxTotalBytes} bytes unpacked`));
          } else callback(null, chunk);
        },
      });
      try {
        await pipeline(
          await zip.openReadStreamPromise(entry),
          counter,
          createWriteStream(target, { flags: 'wx', mode: mode & 0o111 ? 0o755 : 0o644 }),
        );
      } catch (thrown) {
        const error = asError(thrown);
        if (error instanceof UnsafeArchiveError) throw error;
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UnsafeArchiveError(name, 'appears twice in the archive');
        throw new UnsafeArchiveError(name, `cannot be unpacked: ${error.message}`, { cause: error });
      }
      files += 1;
    }
  } finally {
    zip.close();
  }
  return { files, bytes };
}

/** Only archives made on Unix carry Unix modes (file type and permission bits) in the external attributes. */
function madeOnUnix(entry: yauzl.Entry): boolean {
  const madeBy = entry.versionMadeBy >>> 8;
  return madeBy === 3 || madeBy === 19; // Unix, macOS (OS X)
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry): void => {
      cleanup();
      resolve(entry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new UnsafeArchiveError(undefined, `is not a readable zip file: ${error.message}`, { cause: error }));
    };
    const cleanup = (): void => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}
