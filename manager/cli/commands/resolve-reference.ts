import { listEnvironmentReferences } from '../../../contracts/management/environment-endpoints.js';
import type { EnvironmentReferenceView } from '../../../contracts/management/views.js';
import type { MasterApi } from '../client.js';
import { usageError } from '../errors.js';

/** `FOLDER/ENVIRONMENT`, or `ENVIRONMENT` alone for one in the project's own folder. */
export function parseEnvironmentRef(text: string, projectFolder?: string): { folderName: string; environmentName: string } {
  const parts = text.split('/');
  if (parts.length === 1 && projectFolder !== undefined && parts[0]!.trim() !== '') return { folderName: projectFolder, environmentName: parts[0]! };
  if (parts.length !== 2 || parts.some((p) => p.trim() === '')) {
    throw usageError(`'${text}': expected FOLDER/ENVIRONMENT, e.g. Finance/Prod`);
  }
  return { folderName: parts[0]!, environmentName: parts[1]! };
}

/** The folder a reference's environment is in. */
export const environmentPath = (r: EnvironmentReferenceView): string => `${r.environmentFolderName ?? r.folderName}/${r.environmentName}`;

/**
 * The id of the project's reference to an environment named as a user names it (SSISDB's create_execution takes
 * the id; people know the environment). Refused, listing the references there are, when the project has none to it.
 */
export async function resolveReferenceId(api: MasterApi, project: { folderName: string; projectName: string }, environment: string): Promise<number> {
  const wanted = parseEnvironmentRef(environment, project.folderName);
  const { references } = await api.call(listEnvironmentReferences, { params: project });
  const found = references.find((r) => environmentPath(r) === `${wanted.folderName}/${wanted.environmentName}`);
  if (found) return found.referenceId;
  const known = references.length === 0 ? 'it references none' : `it references ${references.map(environmentPath).join(', ')}`;
  throw usageError(
    `--environment ${environment}: project ${project.folderName}/${project.projectName} does not reference ${wanted.folderName}/${wanted.environmentName} (${known}). ` +
      `Add it: scaleout project reference add ${project.folderName}/${project.projectName} ${wanted.folderName}/${wanted.environmentName}`,
  );
}
