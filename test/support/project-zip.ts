import yazl from 'yazl';

/** A zip built in memory from `{ path: content }`. */
export function zipFiles(files: Record<string, string | Buffer>, options: { symlinks?: Record<string, string> } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), path);
  for (const [path, target] of Object.entries(options.symlinks ?? {})) {
    zip.addBuffer(Buffer.from(target), path, { mode: 0o120777 });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
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
