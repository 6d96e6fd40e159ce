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
  maxPathLength: 1024,
} as const;

/** Why an entry name is refused, or undefined when it is safe. */
export function archiveEntryProblem(name: string, isSymbolicLink: boolean): string | undefined {
  if (isSymbolicLink) return `'${name}' is a symbolic link; archives may hold only files and folders`;
  if (name.length === 0) return 'an entry has an empty name';
  if (name.length > archiveLimits.maxPathLength) return `'${name.slice(0, 60)}…' is longer than ${archiveLimits.maxPathLength} characters`;
  if (name.includes('\0')) return `'${name}' contains a NUL character`;
  if (name.includes('\\')) return `'${name}' uses backslashes; zip paths use forward slashes`;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `'${name}' is an absolute path`;
  if (name.split('/').some((segment) => segment === '..')) return `'${name}' climbs out of the archive with '..'`;
  return undefined;
}

/** Zip external attributes carry the Unix mode in their high 16 bits; S_IFLNK marks a symbolic link. */
export function isSymbolicLinkEntry(externalFileAttributes: number): boolean {
  return ((externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

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
