import type { RemovedProjectVersion } from '../catalog/domain.js';
import type { Logger } from '../http/api-request.js';
import type { MasterServices } from '../master-services.js';

/**
 * The version cleanup (MAX_PROJECT_VERSIONS): the catalog removes the versions beyond it first, then their
 * archives go from the archive store. That order can leave a blob nobody names (when the master stops in
 * between, or the store fails), never a kept version without its archive.
 */
export async function removeOldProjectVersions(
  services: Pick<MasterServices, 'catalog' | 'archiveStore'>,
  log: Logger,
  actor: string,
  project?: { folderName: string; projectName: string },
): Promise<RemovedProjectVersion[]> {
  const removed = await services.catalog.removeOldProjectVersions(actor, project);
  for (const version of removed) {
    if (version.archiveName === null) continue;
    try {
      await services.archiveStore.delete(version.archiveName);
    } catch (error) {
      log.warn('the archive of a removed project version could not be deleted', {
        project: `${version.folderName}/${version.projectName}`,
        versionNumber: version.versionNumber,
        archiveName: version.archiveName,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (removed.length > 0) {
    log.info('project versions removed', {
      versions: removed.map((version) => `${version.folderName}/${version.projectName} version ${version.versionNumber}`),
    });
  }
  return removed;
}
