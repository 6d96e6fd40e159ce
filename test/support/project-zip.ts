import { Readable } from 'node:stream';
import yazl from 'yazl';

/** A zip built in memory from `{ path: content }`. */
export function zipFiles(files: Record<string, string | Buffer>, options: { symlinks?: Record<string, string> } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), path);
  for (const [path, target] of Object.entries(options.symlinks ?? {})) {
    zip.addBuffer(Buffer.from(target), path, { mode: 0o120777 });
  }
  zip.end();
  return collect(zip.outputStream);
}

/** A small but real project: an extract with parameters (one sensitive) and a load. */
export function sampleProjectFiles(): Record<string, string> {
  return {
    'scaleout.json': JSON.stringify({
      name: 'ETL',
      packages: [
        {
          name: 'extract',
          runner: 'node',
          entry: 'extract.mjs',
          timeoutMs: 60_000,
          parameters: [
            { name: 'SourcePath', dataType: 'String', required: true },
            { name: 'BatchSize', dataType: 'Int32', defaultValue: 100 },
            { name: 'ApiToken', dataType: 'String', sensitive: true },
          ],
        },
        { name: 'load', runner: 'process', entry: 'bin/load.sh', arguments: ['--target', 'warehouse'] },
      ],
    }),
    'extract.mjs': 'export default async function extract(parameters, context) { context.log(`extracting ${parameters.SourcePath}`); }\n',
    'bin/load.sh': '#!/bin/sh\necho loading\n',
  };
}

/**
 * A zip with `files` and, beside them, entries of `zeros` bytes each, streamed into the compressor in chunks, so
 * a test can build a 900 MB bomb (about 1 MB compressed) without holding 900 MB.
 */
export function zipWithZeros(files: Record<string, string>, zeros: Record<string, number>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), path);
  const chunk = Buffer.alloc(1024 * 1024);
  for (const [path, size] of Object.entries(zeros)) {
    zip.addReadStream(
      Readable.from(
        (function* () {
          for (let left = size; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
        })(),
      ),
      path,
      { size },
    );
  }
  zip.end();
  return collect(zip.outputStream);
}

/**
 * Makes an entry lie about its size: rewrites the uncompressed size its central-directory record declares (the
 * record readers trust), as a hand-made bomb does. The data itself is untouched.
 */
export function declareUncompressedSize(zip: Buffer, name: string, declared: number): Buffer {
  const out = Buffer.from(zip);
  const centralRecord = Buffer.from('504b0102', 'hex');
  for (let at = out.lastIndexOf(centralRecord); at !== -1; at = out.lastIndexOf(centralRecord, at - 1)) {
    const nameLength = out.readUInt16LE(at + 28);
    if (out.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      out.writeUInt32LE(declared, at + 24);
      return out;
    }
  }
  throw new Error(`${name} is not in the central directory`);
}

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
