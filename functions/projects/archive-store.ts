import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, RestError, type ContainerClient } from '@azure/storage-blob';

/**
 * Where project archives live: blobs in Azure Storage (Azurite's blob service on one machine). The catalog keeps
 * each archive's blob name, size and SHA-256; the bytes only ever pass through the master as streams, a few
 * blocks at a time, so memory does not grow with the archive or with the number of workers downloading it.
 */
export interface ArchiveStore {
  /** Stores `bytes` under `name` as they arrive; answers their size and SHA-256. A failing source fails the upload with its own error. */
  upload(name: string, bytes: Readable): Promise<{ size: number; sha256: string }>;
  /** The whole archive, streamed. */
  download(name: string): Promise<Readable>;
  /** Bytes `start` to `end` (exclusive), streamed: the zip is checked in place, never copied whole. */
  readRange(name: string, start: number, end: number): Readable;
  /** Removes an archive; one that is not there is no error. */
  delete(name: string): Promise<void>;
}

/** The archive the catalog names is not in the store (deleted by hand, or lost by an emulator). */
export class ArchiveMissingError extends Error {
  constructor(readonly archiveName: string) {
    super(`project archive '${archiveName}' is missing from the archive store`);
    this.name = 'ArchiveMissingError';
  }
}

/** A new archive's blob name: readable in Storage Explorer, never reused (a version's archive never changes). */
export function newArchiveName(folderName: string, projectName: string): string {
  return `${encodeURIComponent(folderName)}/${encodeURIComponent(projectName)}/${randomUUID()}.zip`;
}

/** Upload block size and parallelism: at most 4 × 4 MiB of an upload is in memory at once. */
const uploadBlockBytes = 4 * 1024 * 1024;
const uploadConcurrency = 4;

export class BlobArchiveStore implements ArchiveStore {
  readonly #container: ContainerClient;
  #ready: Promise<void> | undefined;

  constructor(service: BlobServiceClient, containerName: string) {
    this.#container = service.getContainerClient(containerName);
  }

  static fromConnectionString(connectionString: string, containerName: string): BlobArchiveStore {
    return new BlobArchiveStore(BlobServiceClient.fromConnectionString(connectionString), containerName);
  }

  static fromManagedIdentity(blobServiceUri: string, credential: TokenCredential, containerName: string): BlobArchiveStore {
    return new BlobArchiveStore(new BlobServiceClient(blobServiceUri, credential), containerName);
  }

  async upload(name: string, bytes: Readable): Promise<{ size: number; sha256: string }> {
    await this.#ensureContainer();
    const hash = createHash('sha256');
    let size = 0;
    let sourceError: Error | undefined;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    bytes.once('error', (error) => {
      sourceError = error;
      counted.destroy(error);
    });
    try {
      await this.#container
        .getBlockBlobClient(name)
        .uploadStream(bytes.pipe(counted), uploadBlockBytes, uploadConcurrency, { blobHTTPHeaders: { blobContentType: 'application/zip' } });
    } catch (error) {
      // The request body failing (too large, the client gone) is the real reason; the SDK would hide it.
      throw sourceError ?? error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async download(name: string): Promise<Readable> {
    try {
      const response = await this.#container.getBlobClient(name).download(0);
      return response.readableStreamBody as Readable;
    } catch (error) {
      throw missingOr(error, name);
    }
  }

  readRange(name: string, start: number, end: number): Readable {
    const out = new PassThrough();
    this.#container
      .getBlobClient(name)
      .download(start, end - start)
      .then(
        (response) => {
          const body = response.readableStreamBody as Readable;
          body.once('error', (error) => out.destroy(error));
          body.pipe(out);
        },
        (error: unknown) => out.destroy(missingOr(error, name)),
      );
    return out;
  }

  async delete(name: string): Promise<void> {
    await this.#container.getBlobClient(name).deleteIfExists();
  }

  /** Creates the container once per process, on first use (never at start-up). */
  #ensureContainer(): Promise<void> {
    this.#ready ??= this.#container.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }
}

function missingOr(error: unknown, name: string): Error {
  if (error instanceof RestError && error.statusCode === 404) return new ArchiveMissingError(name);
  return error instanceof Error ? error : new Error(String(error));
}
