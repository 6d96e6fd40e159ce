import { listProjectVersions, restoreProject } from '../../../../contracts/management/endpoints.js';
import type { ProjectVersionView } from '../../../../contracts/management/views.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { timeAgo } from '../ui/badges.js';
import { h, replaceContent } from '../ui/dom.js';
import { mono } from '../ui/facts.js';
import { poll } from '../ui/poller.js';
import { refreshNote } from '../ui/refresh-note.js';
import { projectConfiguration } from './project-configuration.js';

const refreshMs = 30_000;

/**
 * One project's versions (SSISDB catalog.object_versions): who deployed each and when, which is current. An
 * executor or admin may restore an earlier one (restore_project; undone by restoring the other), executions created
 * from then on run it; a reader sees no Restore button. Below, the project's configuration and environment references.
 */
export const projectVersionsPage: PageFactory = (context) => {
  const [, folderName = '', projectName = ''] = context.route.path;
  const title = `${folderName} / ${projectName}`;
  context.setTitle(title);
  const note = refreshNote('30 s');
  const listRegion = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const actionError = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const mayRestore = context.may(restoreProject);
  let versions: ProjectVersionView[] | undefined;

  poll(context.signal, () => refreshMs, async () => {
    try {
      versions = (await context.call(listProjectVersions, { params: { folderName, projectName } })).versions;
      note.succeeded();
      render();
    } catch (error) {
      note.failed(error);
      if (!versions) replaceContent(listRegion, h('p', { class: 'empty' }, describeError(error).message));
    }
  });

  function render(): void {
    if (!versions) return;
    const headers = ['Version', 'Deployed', 'Restored', 'Packages', 'Archive', ...(mayRestore ? ['Actions'] : [])];
    replaceContent(
      listRegion,
      h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, `Versions of ${title}, newest first`),
        h('thead', {}, h('tr', {}, headers.map((heading) => h('th', { scope: 'col' }, heading)))),
        h('tbody', {}, versions.map(row)),
      ),
    );
  }

  function row(version: ProjectVersionView): HTMLTableRowElement {
    return h(
      'tr',
      { 'data-version': version.versionNumber },
      h(
        'th',
        { scope: 'row' },
        `Version ${version.versionNumber}`,
        version.isCurrent ? [' ', h('span', { class: 'badge badge-success' }, 'Current')] : null,
      ),
      h('td', {}, timeAgo(version.deployedTime), h('div', { class: 'small muted' }, 'by ', version.deployedByName ?? version.deployedBy)),
      h(
        'td',
        {},
        version.lastRestoredTime === null
          ? h('span', { class: 'muted' }, '—')
          : [timeAgo(version.lastRestoredTime), h('div', { class: 'small muted' }, 'by ', version.restoredBy ?? '')],
      ),
      h('td', {}, version.packages.map((p) => p.name).join(', ')),
      h('td', {}, mono(version.archiveSha256.slice(0, 12)), h('div', { class: 'small muted' }, `${version.archiveSize} bytes`)),
      mayRestore
        ? h(
            'td',
            {},
            version.isCurrent
              ? null
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'button button-quiet',
                    'data-focus-key': `restore-${version.versionNumber}`,
                    'aria-label': `Restore version ${version.versionNumber}`,
                    onclick: (event: Event) => void restore(version, event.currentTarget as HTMLButtonElement),
                  },
                  'Restore',
                ),
          )
        : null,
    );
  }

  async function restore(version: ProjectVersionView, button: HTMLButtonElement): Promise<void> {
    if (button.getAttribute('aria-disabled') === 'true') return;
    // Busy, not disabled: a disabled button drops the keyboard focus.
    button.setAttribute('aria-disabled', 'true');
    try {
      await context.call(restoreProject, { params: { folderName, projectName }, body: { versionNumber: version.versionNumber } });
      versions = (await context.call(listProjectVersions, { params: { folderName, projectName } })).versions;
      actionError.hidden = true;
      context.announce(`${title} runs version ${version.versionNumber} again.`);
    } catch (error) {
      if (isAbort(error)) return;
      actionError.textContent = describeError(error).message;
      actionError.hidden = false;
      button.removeAttribute('aria-disabled');
    }
    render();
  }

  return {
    element: h(
      'div',
      {},
      h('p', {}, h('a', { href: '#/projects' }, '← Projects')),
      h('div', { class: 'page-header' }, h('h1', {}, title), note.element),
      actionError,
      h('section', { class: 'card', 'aria-label': 'Versions' }, h('h2', {}, 'Versions'), listRegion),
      projectConfiguration(context, folderName, projectName),
    ),
  };
};
