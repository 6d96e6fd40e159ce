import { archiveSha256Header, downloadArchive } from '../../../contracts/worker-protocol.js';
import { defineHandler } from '../../http/define-handler.js';

/** Streamed from the archive store through the master (docs/adr/0003-project-archives-in-blob-storage.md). */
export const downloadArchiveFunction = defineHandler(downloadArchive, async ({ params }, { catalog, archiveStore }) => {
  const { archiveName, archiveSha256, archiveSize } = await catalog.getProjectArchive(params.projectVersionId);
  return {
    status: 200,
    headers: {
      'content-type': 'application/zip',
      'content-length': String(archiveSize),
      [archiveSha256Header]: archiveSha256,
      // A version's archive never changes.
      'cache-control': 'private, max-age=31536000, immutable',
    },
    body: await archiveStore.download(archiveName),
  };
});
