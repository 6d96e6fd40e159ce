import { Readable } from 'node:stream';
import type { Catalog } from '../catalog/catalog.js';
import type { Logger } from '../http/api-request.js';
import { newArchiveName, type ArchiveStore } from './archive-store.js';

/**
 * Moves the archives a catalog still holds (deployed before archives lived in Blob Storage) to the archive store,
 * one at a time, so only one archive is ever in memory. Runs at start, before the master serves; a second master
 * starting at once may move the same archive: the first to record its blob wins and the other removes its copy.
 * Returns how many this master moved.
 */
export async function moveArchivesToStore(catalog: Catalog, store: ArchiveStore, log: Logger): Promise<number> {
  let moved = 0;
  for (const { projectVersionId, folderName, projectName } of await catalog.listArchivesInCatalog()) {
    const bytes = await catalog.getArchiveInCatalog(projectVersionId);
    const name = newArchiveName(folderName, projectName);
    await store.upload(name, Readable.from([bytes]));
    if (await catalog.archiveMoved(projectVersionId, name)) moved += 1;
    else await store.delete(name);
  }
  if (moved > 0) log.info('project archives moved from the catalog to the archive store', { moved });
  return moved;
}
