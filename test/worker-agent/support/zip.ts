import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';

function finish(zip: yazl.ZipFile): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.end();
  });
}

/** A zip of every file in a folder (modes kept, so scripts stay executable). */
export function zipFolder(folder: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isFile()) zip.addFile(path, name);
  }
  return finish(zip);
}

export interface ZipEntry {
  name: string;
  content?: string;
  /** Unix mode including the file type, e.g. 0o120777 for a symbolic link. */
  mode?: number;
}

export function zipEntries(entries: ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    if (entry.name.endsWith('/')) zip.addEmptyDirectory(entry.name);
    else zip.addBuffer(Buffer.from(entry.content ?? ''), entry.name, entry.mode !== undefined ? { mode: entry.mode } : {});
  }
  return finish(zip);
}

/**
 * Renames an entry by rewriting its name bytes (in the local header and the central directory). yazl refuses to
 * write hostile names such as `../x`, so tests write a harmless name of the same length and swap it.
 */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('names must have the same length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let replaced = 0;
  for (let at = out.indexOf(needle); at !== -1; at = out.indexOf(needle, at + 1)) {
    out.write(to, at);
    replaced += 1;
  }
  if (replaced === 0) throw new Error(`${from} not found`);
  return out;
}
