import { listProjects } from '../../../../contracts/management/endpoints.js';
import type { ProjectVersionView } from '../../../../contracts/management/views.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { timeAgo } from '../ui/badges.js';
import { h, replaceContent } from '../ui/dom.js';
import { poll } from '../ui/poller.js';
import { refreshNote } from '../ui/refresh-note.js';

const refreshMs = 30_000;

/** The deployed projects (SSISDB catalog.projects): each one's current version and packages, linking to its versions. */
export const projectsPage: PageFactory = (context) => {
  context.setTitle('Projects');
  const note = refreshNote('30 s');
  const listRegion = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));

  poll(context.signal, () => refreshMs, async () => {
    try {
      render((await context.call(listProjects, {})).projects);
      note.succeeded();
    } catch (error) {
      note.failed(error);
    }
  });

  function render(projects: ProjectVersionView[]): void {
    if (projects.length === 0) {
      replaceContent(listRegion, h('p', { class: 'empty' }, 'No project deployed yet: ', h('code', {}, 'scaleout project deploy <dir> --folder <folder>'), '.'));
      return;
    }
    replaceContent(
      listRegion,
      h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, 'Projects, with their current version'),
        h('thead', {}, h('tr', {}, ['Folder', 'Project', 'Current version', 'Packages', 'Deployed'].map((title) => h('th', { scope: 'col' }, title)))),
        h(
          'tbody',
          {},
          projects.map((project) =>
            h(
              'tr',
              { 'data-project': `${project.folderName}/${project.projectName}` },
              h('td', {}, project.folderName),
              h('th', { scope: 'row' }, h('a', { href: href(['projects', project.folderName, project.projectName]) }, project.projectName)),
              h('td', {}, `Version ${project.versionNumber}`),
              h('td', {}, project.packages.map((p) => p.name).join(', ')),
              h('td', {}, timeAgo(project.deployedTime), h('div', { class: 'small muted' }, 'by ', project.deployedByName ?? project.deployedBy)),
            ),
          ),
        ),
      ),
    );
  }

  return {
    element: h(
      'div',
      {},
      h('div', { class: 'page-header' }, h('h1', {}, 'Projects'), note.element),
      h('section', { class: 'card', 'aria-label': 'Projects' }, listRegion),
    ),
  };
};
