import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import { issuesOf } from '../../contracts/client.js';
import { inUserWords } from '../../contracts/field-errors.js';
import {
  archiveEntryProblem,
  type ArchiveSource,
  projectManifestFileName,
  ProjectManifest,
  UnsafeArchiveError,
  walkProjectArchive,
} from '../../contracts/project-archive.js';
import type { PackageDeclaration } from '../catalog/catalog.js';
import { ValidationError } from '../catalog/errors.js';

export interface ProjectArchive {
  manifest: ProjectManifest;
  packages: PackageDeclaration[];
}

/** A manifest larger than this is not a manifest. */
const maxManifestBytes = 1024 * 1024;

/**
 * Reads a project archive without unpacking it, with the very checks a worker makes before unpacking it: every
 * entry safe, the limits kept, every entry inflated (into nothing) and held to its declared size, the manifest
 * valid, and each package's entry present. Any problem is a ValidationError naming what is wrong, so a worker is
 * never handed an archive it would refuse.
 */
export async function readProjectArchive(archive: ArchiveSource): Promise<ProjectArchive> {
  const files = new Set<string>();
  let manifestText: string | undefined;
  try {
    await walkProjectArchive(archive, async (entry) => {
      if (entry.kind === 'directory') return;
      files.add(entry.name);
      if (entry.name !== projectManifestFileName) {
        // Memory stays bounded: each chunk is dropped as soon as it is counted.
        await pipeline(await entry.open(), new Writable({ write: (_chunk, _encoding, callback) => callback() }));
        return;
      }
      if (entry.uncompressedSize > maxManifestBytes) throw new ValidationError(projectManifestFileName, 'larger than 1 MB');
      const chunks: Buffer[] = [];
      for await (const chunk of await entry.open()) chunks.push(chunk as Buffer);
      manifestText = Buffer.concat(chunks).toString('utf8');
    });
  } catch (error) {
    if (error instanceof UnsafeArchiveError) throw new ValidationError('archive', error.message.replace(/^archive refused: /, ''));
    throw error;
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
  const parsed = ProjectManifest.safeParse(json, { error: inUserWords });
  if (!parsed.success) throw new ValidationError(issuesOf(parsed.error as z.ZodError, projectManifestFileName));
  const manifest = parsed.data;
  for (const [index, pkg] of manifest.packages.entries()) {
    const field = `${projectManifestFileName}.packages[${index}].entry`;
    // A process package may name a command on the worker's PATH (`python3`); a path must be in the archive.
    if (pkg.runner !== 'process' || pkg.entry.includes('/')) {
      const problem = archiveEntryProblem(pkg.entry);
      if (problem) throw new ValidationError(field, `'${pkg.entry}' ${problem}`);
      if (!files.has(pkg.entry)) throw new ValidationError(field, `'${pkg.entry}' is not in the archive`);
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
