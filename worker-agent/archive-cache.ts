import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClaimedTask } from '../contracts/worker-protocol.js';
import { safeUnzip, type UnzipLimits } from './safe-unzip.js';

/** The downloaded archive is not the one the master announced. */
export class ArchiveIntegrityError extends Error {
  constructor(
    readonly projectVersionId: number,
    readonly expectedSha256: string,
    readonly actualSha256: string,
    readonly size: number,
  ) {
    super(
      `project version ${projectVersionId}: the downloaded archive (${size} bytes, SHA-256 ${actualSha256}) is not the announced one (SHA-256 ${expectedSha256}); refused`,
    );
    this.name = 'ArchiveIntegrityError';
  }
}

/**
 * Project archives, unpacked once per SHA-256 and kept under `<root>/<sha256>/`. A project version is fetched from
 * the master once however many of its tasks run (concurrently or later, even after a restart), verified against
 * the SHA-256 the master announced with the task, and unpacked safely. A folder only counts once its marker is
 * written (beside it, `<sha256>.complete`), so a crash half-way through leaves nothing that looks complete.
 */
export class ArchiveCache {
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly root: string,
    private readonly fetchArchive: (projectVersionId: number) => Promise<Uint8Array>,
    private readonly limits: UnzipLimits = {},
  ) {}

  /** The folder holding the unpacked archive. */
  unpacked(archive: ClaimedTask['archive']): Promise<string> {
    const sha256 = archive.sha256.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256)) return Promise.reject(new Error(`not a SHA-256: ${archive.sha256}`));
    const existing = this.#inFlight.get(sha256);
    if (existing) return existing;
    const promise = this.#ensure({ ...archive, sha256 }).finally(() => this.#inFlight.delete(sha256));
    this.#inFlight.set(sha256, promise);
    return promise;
  }

  async #ensure(archive: ClaimedTask['archive']): Promise<string> {
    const folder = join(this.root, archive.sha256);
    const marker = `${folder}.complete`;
    if (await exists(marker)) return folder;
    const bytes = Buffer.from(await this.fetchArchive(archive.projectVersionId));
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== archive.sha256) throw new ArchiveIntegrityError(archive.projectVersionId, archive.sha256, actual, bytes.length);
    const staging = join(this.root, `.staging-${archive.sha256.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
    try {
      await safeUnzip(bytes, staging, this.limits);
      await rm(folder, { recursive: true, force: true });
      await mkdir(this.root, { recursive: true });
      await rename(staging, folder);
      await writeFile(marker, `project version ${archive.projectVersionId}\n`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return folder;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
