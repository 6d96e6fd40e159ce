import { downloadAgent, listAgentDownloads, type AgentDownload, type AgentPlatform } from '../../../../contracts/agent-downloads.js';
import { endpointPath } from '../../../../contracts/endpoint.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageContext } from '../page.js';
import { h } from '../ui/dom.js';

const platformNames: Record<AgentPlatform, string> = {
  npm: 'npm package (Node.js 20.19 or later)',
  'linux-x64': 'Linux x64, single file',
  'win-x64': 'Windows x64, single file',
};

/** With a no-break space, so a size never breaks across lines. */
const size = (bytes: number): string =>
  bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)}\u00a0KiB` : `${(bytes / (1024 * 1024)).toFixed(1)}\u00a0MiB`;

/**
 * The agent build this master hands out (GET /api/v1/agent/downloads), each file a link and its SHA-256 to check
 * the copy against; when there is no build, the master's own words on how to make one.
 */
export function agentDownloadsCard(context: PageContext): HTMLElement {
  const body = h('p', { class: 'muted' }, 'Loading the downloads…');
  const card = h('section', { class: 'card', 'aria-labelledby': 'agent-downloads-heading' }, h('h2', { id: 'agent-downloads-heading' }, 'Get the agent'), body);
  context.call(listAgentDownloads, {}).then(
    (listing) => {
      body.replaceWith(
        h('p', {}, `Version ${listing.agentVersion}. Download one on the worker machine (or copy it there), check its SHA-256, then run the join command.`),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'File'), h('th', { scope: 'col' }, 'For'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'SHA-256'))),
            h('tbody', {}, listing.downloads.map(downloadRow)),
          ),
        ),
      );
    },
    (error: unknown) => {
      if (isAbort(error)) return;
      body.replaceWith(h('p', { class: 'callout callout-info' }, describeError(error).message));
    },
  );
  return card;
}

function downloadRow(download: AgentDownload): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, h('a', { href: endpointPath(downloadAgent, { fileName: download.fileName }), download: download.fileName }, download.fileName)),
    h('td', {}, platformNames[download.platform]),
    h('td', {}, size(download.size)),
    h('td', {}, h('span', { class: 'mono' }, download.sha256)),
  );
}
