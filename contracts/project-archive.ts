import { Transform, type Readable } from 'node:stream';
import yauzl from 'yauzl';
import * as z from 'zod';
import { CatalogName } from './common.js';
import { ParameterDataType } from './management/views.js';
import { PackageRunner } from './worker-protocol.js';

/**
 * A project archive: a zip with `scaleout.json` at its root and the files its packages run. The master checks
 * every archive on deploy and the worker checks it again before unpacking, with the same rules, so a path that
 * could escape the task folder (CVE-2024-42471 is the classic) never reaches a disk.
 */
export const projectManifestFileName = 'scaleout.json';

export const archiveLimits = {
  maxEntries: 10_000,
  /** All files together, uncompressed. */
  maxUncompressedBytes: 1024 * 1024 * 1024,
  /**
   * All files together, uncompressed, against the archive's own size: a zip bomb's amplification. Real projects
   * (code, SQL, CSV samples) compress 3:1 to 20:1; a file of zeros compresses about 1,000:1.
   */
  maxCompressionRatio: 100,
  /** An archive may always unpack to this much, whatever its ratio (a small archive of very repetitive text). */
  ratioFreeBytes: 64 * 1024 * 1024,
  maxPathLength: 1024,
} as const;

export interface ArchiveLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
  maxCompressionRatio: number;
  ratioFreeBytes: number;
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

/**
 * Why an entry name is refused, or undefined when it is safe. Backslashes (written by some Windows tools) count
 * as separators, so `a\..\b` is caught like `a/../b`.
 */
export function archiveEntryProblem(name: string): string | undefined {
  const path = name.replace(/\\/g, '/');
  if (path === '' || path === '/') return 'has an empty name';
  if (path.length > archiveLimits.maxPathLength) return `has a name longer than ${archiveLimits.maxPathLength} characters`;
  if (path.includes('\0')) return 'has a NUL character in its name';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is an absolute path';
  if (path.split('/').includes('..')) return "climbs out of the project folder with '..'";
  if (path.includes(':')) return "has a ':' in its name (not portable; an alternate data stream on Windows)";
  return undefined;
}

/** One checked entry of a project archive. */
export interface ArchiveEntry {
  /** With forward slashes. */
  name: string;
  kind: 'file' | 'directory';
  /** Its Unix mode says executable (archives made on Unix only). */
  executable: boolean;
  /** As the archive declares it; `open()` holds the entry to it. */
  uncompressedSize: number;
  /**
   * The entry's bytes, inflated. The stream fails with UnsafeArchiveError naming the entry when it inflates to
   * more or fewer bytes than declared (a lying header is how a small archive writes gigabytes) or is corrupt.
   */
  open(): Promise<Readable>;
}

const fileTypeMask = 0o170000;
const fileTypes = { regular: 0o100000, directory: 0o040000, symlink: 0o120000 } as const;

/** An archive in memory (the worker's download), or one read in place through a random-access reader (the master's store). */
export type ArchiveSource = Buffer | { reader: yauzl.RandomAccessReader; size: number };

/**
 * Walks a project archive, checking every entry before `visit` sees it: a safe name, no symbolic link, no device,
 * pipe or socket, not encrypted, no name twice, and the entry-count, size and compression-ratio limits (against zip
 * bombs, on the declared sizes, which `open()` then holds each entry to). The first problem throws
 * UnsafeArchiveError. The master walks an archive this way when it is deployed, the worker again before it unpacks
 * one.
 */
export async function walkProjectArchive(
  archive: ArchiveSource,
  visit: (entry: ArchiveEntry) => Promise<void>,
  limits: ArchiveLimits = archiveLimits,
): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    // Entry sizes are checked by `checkedInflation`, which names the entry; yauzl's own check would not.
    const options = { lazyEntries: true, decodeStrings: false, validateEntrySizes: false, autoClose: false };
    zip = Buffer.isBuffer(archive)
      ? await yauzl.fromBufferPromise(archive, options)
      : await yauzl.fromRandomAccessReaderPromise(archive.reader, archive.size, options);
  } catch (thrown) {
    throw new UnsafeArchiveError(undefined, `is not a readable zip file: ${messageOf(thrown)}`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new UnsafeArchiveError(undefined, `has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
    }
    const seen = new Set<string>();
    let declaredBytes = 0;
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const stored = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const reason = archiveEntryProblem(stored);
      if (reason) throw new UnsafeArchiveError(stored, reason);
      const mode = madeOnUnix(entry) ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
      const type = mode & fileTypeMask;
      if (type === fileTypes.symlink) throw new UnsafeArchiveError(stored, 'is a symbolic link');
      const name = stored.replace(/\\/g, '/');
      const isDirectory = name.endsWith('/') || type === fileTypes.directory;
      if (type !== 0 && type !== fileTypes.regular && !isDirectory) {
        throw new UnsafeArchiveError(stored, 'is not a regular file or folder (a device, pipe or socket)');
      }
      if (entry.isEncrypted()) throw new UnsafeArchiveError(stored, 'is encrypted');
      const key = name.replace(/\/+$/, '').toLowerCase();
      if (seen.has(key)) throw new UnsafeArchiveError(stored, 'appears twice in the archive');
      seen.add(key);
      declaredBytes += entry.uncompressedSize;
      if (declaredBytes > limits.maxUncompressedBytes) {
        throw new UnsafeArchiveError(stored, `takes the archive past the limit of ${limits.maxUncompressedBytes} bytes unpacked`);
      }
      if (declaredBytes > limits.ratioFreeBytes && declaredBytes > limits.maxCompressionRatio * zip.fileSize) {
        throw new UnsafeArchiveError(
          stored,
          `takes the archive past ${declaredBytes} bytes unpacked from ${zip.fileSize}, more than the limit of ` +
            `${limits.maxCompressionRatio}:1 for archives that unpack to more than ${limits.ratioFreeBytes} bytes`,
        );
      }
      const current = entry;
      await visit({
        name: name.replace(/\/+$/, ''),
        kind: isDirectory ? 'directory' : 'file',
        executable: (mode & 0o111) !== 0,
        uncompressedSize: entry.uncompressedSize,
        open: async () => checkedInflation(await openEntry(zip, current, stored), stored, current.uncompressedSize),
      });
    }
  } finally {
    zip.close();
  }
}

async function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, name: string): Promise<Readable> {
  try {
    return await zip.openReadStreamPromise(entry);
  } catch (thrown) {
    throw new UnsafeArchiveError(name, `cannot be read: ${messageOf(thrown)}`);
  }
}

/** The inflated bytes, counted against the declared size as they pass: a lie fails at the first byte too many. */
function checkedInflation(source: Readable, name: string, declaredBytes: number): Readable {
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > declaredBytes) callback(new UnsafeArchiveError(name, `inflates past its declared size of ${declaredBytes} bytes`));
      else callback(null, chunk);
    },
    flush(callback) {
      callback(bytes === declaredBytes ? null : new UnsafeArchiveError(name, `inflates to ${bytes} bytes, not its declared ${declaredBytes}`));
    },
  });
  source.once('error', (error) => counted.destroy(new UnsafeArchiveError(name, `cannot be inflated: ${error.message}`, { cause: error })));
  counted.once('error', () => source.destroy());
  return source.pipe(counted);
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

const messageOf = (thrown: unknown): string => (thrown instanceof Error ? thrown.message : String(thrown));

export const DeclaredParameter = z.object({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscore, not starting with a digit (it becomes an environment variable)'),
  dataType: ParameterDataType,
  required: z.boolean().default(false),
  sensitive: z.boolean().default(false),
  defaultValue: z.union([z.string(), z.number(), z.boolean()]).optional(),
  description: z.string().max(1024).optional(),
});

export const PackageManifest = z.object({
  name: CatalogName,
  description: z.string().max(1024).optional(),
  runner: PackageRunner,
  /**
   * node: a module in the archive (its default export runs). process: a file in the archive, or a command on the
   * worker's PATH (e.g. `python3`). dtexec: the .dtsx in the archive.
   */
  entry: z.string().min(1).max(1024),
  arguments: z.array(z.string().max(4096)).max(100).default([]),
  timeoutMs: z.int().positive().max(7 * 24 * 3600 * 1000).optional(),
  parameters: z.array(DeclaredParameter).max(200).default([]),
});
export type PackageManifest = z.infer<typeof PackageManifest>;

export const ProjectManifest = z
  .object({
    name: z.string().max(128).optional(),
    description: z.string().max(1024).optional(),
    packages: z.array(PackageManifest).min(1).max(200),
  })
  .meta({ id: 'ProjectManifest' });
export type ProjectManifest = z.infer<typeof ProjectManifest>;
