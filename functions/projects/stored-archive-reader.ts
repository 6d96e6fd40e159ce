import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { ArchiveStore } from './archive-store.js';

/** Reads of at most this size are served from one cached window of the blob. */
const smallReadBytes = 64 * 1024;
const windowBytes = 1024 * 1024;

/**
 * Random access into a stored archive for yauzl, so the master checks a zip where it lies instead of holding it.
 * yauzl reads a zip in many small pieces (the directory record of each entry, each local header) and then each
 * entry's data: the small reads are served from one read-ahead window of 1 MiB (one request covers hundreds of
 * entries), the large ones are streamed from the store. Memory: the window, whatever the archive's size.
 */
export class StoredArchiveReader extends yauzl.RandomAccessReader {
  #window: { start: number; bytes: Promise<Buffer> } | undefined;

  constructor(
    private readonly store: ArchiveStore,
    private readonly name: string,
    private readonly size: number,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    if (end - start > smallReadBytes) return this.store.readRange(this.name, start, end);
    const window = this.#windowFor(start, end);
    return Readable.from(
      (async function* () {
        const bytes = await window.bytes;
        yield bytes.subarray(start - window.start, end - window.start);
      })(),
    );
  }

  #windowFor(start: number, end: number): { start: number; bytes: Promise<Buffer> } {
    const current = this.#window;
    if (current && start >= current.start && end <= current.start + windowBytes) return current;
    const windowEnd = Math.min(this.size, start + windowBytes);
    const window = { start, bytes: collect(this.store.readRange(this.name, start, windowEnd)) };
    this.#window = window;
    return window;
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
