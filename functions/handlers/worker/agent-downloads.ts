import { downloadAgent, listAgentDownloads, type AgentDownloads } from '../../../contracts/agent-downloads.js';
import { archiveSha256Header } from '../../../contracts/worker-protocol.js';
import type { AgentDownloadStore } from '../../agent-downloads/agent-download-store.js';
import { defineHandler } from '../../http/define-handler.js';
import { HttpProblem, ProblemType } from '../../http/problem.js';

/** The build's listing, or a 404 that says how to make one. */
async function listingOf(store: AgentDownloadStore): Promise<AgentDownloads> {
  const listing = await store.readListing();
  if (!listing) {
    throw new HttpProblem({
      type: ProblemType.notFound,
      title: 'Not found',
      status: 404,
      detail: `this master has no agent build to hand out: ${store.missingBuildHint}`,
    });
  }
  return listing;
}

export const listAgentDownloadsFunction = defineHandler(listAgentDownloads, async (_input, { agentDownloads }) => listingOf(agentDownloads));

/** Streamed from the store; only a file the listing names is served, so a name can never reach another file. */
export const downloadAgentFunction = defineHandler(downloadAgent, async ({ params }, { agentDownloads }) => {
  const listing = await listingOf(agentDownloads);
  const download = listing.downloads.find((candidate) => candidate.fileName === params.fileName);
  if (!download) {
    throw new HttpProblem({
      type: ProblemType.notFound,
      title: 'Not found',
      status: 404,
      detail: `the agent build ${listing.agentVersion} has no file '${params.fileName}'; it has ${listing.downloads.map((d) => d.fileName).join(', ')}`,
    });
  }
  return {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(download.size),
      'content-disposition': `attachment; filename="${download.fileName}"`,
      [archiveSha256Header]: download.sha256,
      // The next build may reuse the name (the same version rebuilt): a cache must ask again.
      'cache-control': 'no-cache',
    },
    body: await agentDownloads.open(download),
  };
});
