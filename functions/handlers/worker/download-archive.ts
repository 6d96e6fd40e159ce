import { archiveSha256Header, downloadArchive } from '../../../contracts/worker-protocol.js';
import { defineHandler } from '../../http/define-handler.js';

export const downloadArchiveFunction = defineHandler(downloadArchive, async ({ params }, { catalog }) => {
  const { archive, archiveSha256 } = await catalog.getProjectArchive(params.projectVersionId);
  return {
    status: 200,
    headers: {
      'content-type': 'application/zip',
      'content-length': String(archive.length),
      [archiveSha256Header]: archiveSha256,
      // A version's archive never changes.
      'cache-control': 'private, max-age=31536000, immutable',
    },
    body: archive,
  };
});
