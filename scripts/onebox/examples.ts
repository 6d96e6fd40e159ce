import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ApiError } from '../../contracts/client.js';
import { deployProject, getProject } from '../../contracts/management/endpoints.js';
import { projectManifestFileName } from '../../contracts/project-archive.js';
import { listProjectFiles, packProject } from '../../manager/cli/commands/pack-project.js';
import type { ManagementApi } from './management.js';

/** The catalog folder the examples are deployed to. */
export const examplesCatalogFolder = 'Examples';

export interface ExampleProject {
  dir: string;
  folderName: string;
  projectName: string;
  versionNumber: number;
  /** Deployed by this start (new or changed); otherwise the catalog already had it. */
  deployed: boolean;
}

interface DeployedExample {
  contentSha256: string;
  projectName: string;
  versionNumber: number;
}

/**
 * Deploys every project under `examplesFolder` (each folder with a scaleout.json) to the Examples folder, through
 * the management API as `scaleout project deploy` does, but only when it is missing from the catalog or its files
 * changed since the one-box last deployed it. A version someone deployed by hand on top is left alone.
 */
export async function deployExamples(api: ManagementApi, examplesFolder: string, stateFile: string): Promise<ExampleProject[]> {
  const state = readState(stateFile);
  const projects: ExampleProject[] = [];
  for (const dir of exampleFolders(examplesFolder)) {
    const { files, manifest } = listProjectFiles(dir);
    const projectName = manifest.name ?? basename(dir);
    const contentSha256 = contentHash(files);
    const recorded = state[basename(dir)];
    const current = await latestVersion(api, projectName);
    if (current !== undefined && recorded?.contentSha256 === contentSha256 && recorded.projectName === projectName) {
      projects.push({ dir, folderName: examplesCatalogFolder, projectName, versionNumber: current, deployed: false });
      continue;
    }
    const packed = await packProject(dir);
    const version = await api(deployProject, { params: { folderName: examplesCatalogFolder, projectName }, body: packed.zip });
    state[basename(dir)] = { contentSha256, projectName, versionNumber: version.versionNumber };
    projects.push({ dir, folderName: examplesCatalogFolder, projectName, versionNumber: version.versionNumber, deployed: true });
  }
  await mkdir(dirname(stateFile), { recursive: true });
  await writeFile(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  return projects;
}

function exampleFolders(examplesFolder: string): string[] {
  if (!existsSync(examplesFolder)) return [];
  return readdirSync(examplesFolder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(examplesFolder, entry.name, projectManifestFileName)))
    .map((entry) => join(examplesFolder, entry.name))
    .sort();
}

/** Names and contents, not modification times: touching a file without changing it redeploys nothing. */
function contentHash(files: { name: string; path: string }[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    hash.update(`${file.name}\0`).update(createHash('sha256').update(readFileSync(file.path)).digest()).update('\0');
  }
  return hash.digest('hex');
}

async function latestVersion(api: ManagementApi, projectName: string): Promise<number | undefined> {
  try {
    return (await api(getProject, { params: { folderName: examplesCatalogFolder, projectName } })).versionNumber;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

function readState(stateFile: string): Record<string, DeployedExample> {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, DeployedExample>;
  } catch {
    return {};
  }
}
