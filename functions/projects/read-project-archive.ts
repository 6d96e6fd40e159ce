import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import { type z } from 'zod';
import { issuesOf } from '../../contracts/client.js';
import {
  archiveEntryProblem,
  archiveLimits,
  isSymbolicLinkEntry,
  projectManifestFileName,
  ProjectManifest,
} from '../../contracts/project-archive.js';
import type { PackageDeclaration } from '../catalog/catalog.js';
import { ValidationError } from '../catalog/errors.js';

export interface ProjectArchive {
  sha256: string;
  manifest: ProjectManifest;
  packages: PackageDeclaration[];
}

/**
 * Reads a project archive without unpacking it: every entry name must be safe, the sizes within limits, the
 * manifest valid, and each package's entry present. Any problem is a ValidationError naming what is wrong.
 */
export async function readProjectArchive(archive: Buffer): Promise<ProjectArchive> {
  const entries = new Map<string, yauzl.Entry>();
  let manifestText: string | undefined;
  const zip = await openZip(archive);
  try {
    let total = 0;
    for await (const entry of iterate(zip)) {
      const problem = archiveEntryProblem(entry.fileName, isSymbolicLinkEntry(entry.externalFileAttributes));
      if (problem) throw new ValidationError('archive', problem);
      if (entries.size >= archiveLimits.maxEntries) {
        throw new ValidationError('archive', `more than ${archiveLimits.maxEntries} entries`);
      }
      total += entry.uncompressedSize;
      if (total > archiveLimits.maxUncompressedBytes) {
        throw new ValidationError('archive', `more than ${archiveLimits.maxUncompressedBytes} bytes once unpacked`);
      }
      entries.set(entry.fileName, entry);
      if (entry.fileName === projectManifestFileName) manifestText = await readEntry(zip, entry);
    }
  } finally {
    zip.close();
  }
  if (manifestText === undefined) {
    throw new ValidationError('archive', `no ${projectManifestFileName} at the root of the archive`);
  }
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch (error) {
    throw new ValidationError(projectManifestFileName, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ProjectManifest.safeParse(json);
  if (!parsed.success) {
    const [first] = issuesOf(parsed.error as z.ZodError, projectManifestFileName);
    throw new ValidationError(first?.field ?? projectManifestFileName, first?.reason ?? 'invalid');
  }
  const manifest = parsed.data;
  for (const [index, pkg] of manifest.packages.entries()) {
    const field = `${projectManifestFileName}.packages[${index}].entry`;
    // A process package may name a command on the worker's PATH (`python3`); a path must be in the archive.
    if (pkg.runner !== 'process' || pkg.entry.includes('/')) {
      const problem = archiveEntryProblem(pkg.entry, false);
      if (problem) throw new ValidationError(field, problem);
      if (!entries.has(pkg.entry)) throw new ValidationError(field, `'${pkg.entry}' is not in the archive`);
    }
    for (const [p, parameter] of pkg.parameters.entries()) {
      if (parameter.required && parameter.defaultValue !== undefined) {
        throw new ValidationError(
          `${projectManifestFileName}.packages[${index}].parameters[${p}]`,
          'a required parameter cannot have a default value',
        );
      }
    }
  }
  return {
    sha256: createHash('sha256').update(archive).digest('hex'),
    manifest,
    packages: manifest.packages.map((pkg) => ({
      name: pkg.name,
      description: pkg.description,
      runner: pkg.runner,
      entry: pkg.entry,
      arguments: pkg.arguments,
      timeoutMs: pkg.timeoutMs,
      parameters: pkg.parameters.map((p) => ({
        name: p.name,
        dataType: p.dataType,
        required: p.required,
        sensitive: p.sensitive,
        defaultValue: p.defaultValue,
        description: p.description,
      })),
    })),
  };
}

function openZip(archive: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(archive, { lazyEntries: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) reject(new ValidationError('archive', `not a zip archive: ${error?.message ?? 'unreadable'}`));
      else resolve(zip);
    });
  });
}

async function* iterate(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry): void => {
        cleanup();
        resolve(e);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(null);
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(new ValidationError('archive', unsafeNameProblem(error.message) ?? `corrupt zip: ${error.message}`));
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
    if (!entry) return;
    yield entry;
  }
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  return new Promise((resolve, reject) => {
    if (entry.uncompressedSize > 1024 * 1024) {
      reject(new ValidationError(projectManifestFileName, 'larger than 1 MB'));
      return;
    }
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) {
        reject(new ValidationError(projectManifestFileName, `unreadable: ${error?.message ?? 'no stream'}`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', (e) => reject(new ValidationError(projectManifestFileName, `unreadable: ${e.message}`)));
    });
  });
}

/**
 * yauzl refuses some unsafe entry names itself, before we see the entry ("invalid relative path: ../x",
 * "absolute path: /x", "invalid characters in fileName: a\\b"). Those archives are not corrupt: say why the
 * name is refused, in the same words the contract's own check uses.
 */
function unsafeNameProblem(message: string): string | undefined {
  const match = /^(?:invalid relative path|absolute path|invalid characters in fileName): (.*)$/s.exec(message);
  return match ? archiveEntryProblem(match[1]!, false) : undefined;
}
