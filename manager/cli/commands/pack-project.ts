import { createReadStream, lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import yazl from 'yazl';
import { issuesOf } from '../../../contracts/client.js';
import { maxProjectArchiveBytes } from '../../../contracts/management/endpoints.js';
import {
  archiveEntryProblem,
  archiveLimits,
  ProjectManifest,
  projectManifestFileName,
} from '../../../contracts/project-archive.js';
import { usageError } from '../errors.js';
import { formatBytes } from '../output/format.js';

export interface ProjectFile {
  /** The entry name: relative, with forward slashes. */
  name: string;
  path: string;
  stats: Stats;
}

export interface PackedProject {
  zip: Buffer;
  manifest: ProjectManifest;
  files: ProjectFile[];
  uncompressedBytes: number;
}

/** Folders never packed: version control is not part of a project. */
const skippedFolders = new Set(['.git']);

/**
 * Lists a project folder for its archive, with the rules the master and the worker apply (contracts/
 * project-archive.ts), so a bad folder fails here, naming the file, before anything is uploaded: no symbolic
 * links, no special files, safe names, within the limits, and a valid scaleout.json at the root.
 */
export function listProjectFiles(dir: string): { files: ProjectFile[]; manifest: ProjectManifest; uncompressedBytes: number } {
  let rootStats: Stats;
  try {
    rootStats = statSync(dir);
  } catch {
    throw usageError(`${dir}: no such folder`);
  }
  if (!rootStats.isDirectory()) throw usageError(`${dir}: not a folder; give the project's folder (it holds ${projectManifestFileName})`);

  const manifest = readManifest(join(dir, projectManifestFileName));
  const files: ProjectFile[] = [];
  let uncompressedBytes = 0;
  const visit = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const entryName = relative(dir, path).split(sep).join('/');
      const stats = lstatSync(path);
      if (stats.isSymbolicLink()) {
        throw usageError(`${path}: is a symbolic link; a project archive holds only files and folders (copy what it points to instead)`);
      }
      if (stats.isDirectory()) {
        if (!skippedFolders.has(name)) visit(path);
        continue;
      }
      if (!stats.isFile()) throw usageError(`${path}: not a regular file (a socket, pipe or device cannot be packed)`);
      const problem = archiveEntryProblem(entryName);
      if (problem) throw usageError(`${path}: ${problem}`);
      files.push({ name: entryName, path, stats });
      uncompressedBytes += stats.size;
      if (files.length > archiveLimits.maxEntries) throw usageError(`${dir}: more than ${archiveLimits.maxEntries} files; a project archive holds at most that many`);
      if (uncompressedBytes > archiveLimits.maxUncompressedBytes) {
        throw usageError(`${dir}: more than ${formatBytes(archiveLimits.maxUncompressedBytes)} of files; a project archive holds at most that much`);
      }
    }
  };
  visit(dir);
  return { files, manifest, uncompressedBytes };
}

function readManifest(path: string): ProjectManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw usageError(`${path}: not found; a project folder has ${projectManifestFileName} at its root, declaring its packages`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw usageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = ProjectManifest.safeParse(json);
  if (!parsed.success) {
    const issue = issuesOf(parsed.error)[0];
    throw usageError(`${path}: ${issue ? `${issue.field}: ${issue.reason}` : 'invalid'}`);
  }
  return parsed.data;
}

/** Zips the listed files (modes kept, so scripts stay executable), reporting each file as it is packed. */
export async function packProject(
  dir: string,
  onFilePacked: (filesDone: number, fileCount: number) => void = () => {},
): Promise<PackedProject> {
  const { files, manifest, uncompressedBytes } = listProjectFiles(dir);
  const zip = new yazl.ZipFile();
  let done = 0;
  for (const file of files) {
    // Opened one at a time, as yazl reaches the entry: a project may hold thousands of files.
    zip.addReadStreamLazy(file.name, { mtime: file.stats.mtime, mode: file.stats.mode, size: file.stats.size }, (callback) => {
      const stream = createReadStream(file.path);
      stream.on('error', (error) => zip.emit('error', new Error(`${file.path}: ${error.message}`)));
      stream.on('end', () => onFilePacked(++done, files.length));
      callback(null, stream);
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', (error: Error) => reject(usageError(`cannot pack ${dir}: ${error.message}`)));
    zip.outputStream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    zip.outputStream.on('end', resolve);
    zip.outputStream.on('error', reject);
  });
  if (size > maxProjectArchiveBytes) {
    throw usageError(`${dir}: the archive is ${formatBytes(size)}; the master accepts at most ${formatBytes(maxProjectArchiveBytes)}`);
  }
  return { zip: Buffer.concat(chunks), manifest, files, uncompressedBytes };
}
