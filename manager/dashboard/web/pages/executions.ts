import { createExecution, listExecutions, listProjects, listWorkers } from '../../../../contracts/management/endpoints.js';
import type { ExecutionSummaryView, ProjectVersionView } from '../../../../contracts/management/views.js';
import { isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { executionStatusBadge, timeAgo } from '../ui/badges.js';
import { h, replaceContent } from '../ui/dom.js';
import { duration, plural } from '../ui/format.js';
import { field } from '../ui/forms.js';
import { poll } from '../ui/poller.js';
import { refreshNote } from '../ui/refresh-note.js';
import { createdChoices, filtersFrom, isFiltered, queryFor, statusChoices, type ExecutionFilters } from './execution-filters.js';
import { workerLink } from './worker-link.js';

const refreshMs = 5_000;
const pageSize = 50;
/** The most listExecutions returns at once. */
const maxPageSize = 500;

/** Executions, newest first, filtered by status, age and folder/project/package; refreshed while shown. */
export const executionsPage: PageFactory = (context) => {
  context.setTitle('Executions');
  let filters = filtersFrom(context.route);
  let executions: ExecutionSummaryView[] = [];
  let nextOffset: number | null = null;
  let workers: Map<string, string> | undefined;
  const mayCreate = context.may(createExecution);
  const note = refreshNote('5 s');
  const listRegion = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const count = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Show more');

  const select = (name: string, label: string, choices: Record<string, { label: string }>, anyLabel: string): HTMLDivElement =>
    field(
      label,
      h(
        'select',
        { name },
        h('option', { value: '' }, anyLabel),
        Object.entries(choices).map(([value, choice]) => h('option', { value, selected: filters[name as keyof ExecutionFilters] === value }, choice.label)),
      ),
    );
  const text = (name: keyof ExecutionFilters, label: string): HTMLDivElement =>
    field(label, h('input', { type: 'text', name, value: filters[name], list: `${name}-choices`, autocomplete: 'off' }));
  const datalists = { folder: h('datalist', { id: 'folder-choices' }), project: h('datalist', { id: 'project-choices' }), package: h('datalist', { id: 'package-choices' }) };
  const clear = h('button', { type: 'button', class: 'button button-quiet' }, 'Clear filters');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter executions' },
    select('status', 'Status', statusChoices, 'Any status'),
    select('created', 'Created', createdChoices, 'Any time'),
    text('folder', 'Folder'),
    text('project', 'Project'),
    text('package', 'Package'),
    h('div', { class: 'actions actions-start filter-actions' }, h('button', { type: 'submit', class: 'button' }, 'Apply'), clear),
    Object.values(datalists),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const value = (name: string): string => String(data.get(name) ?? '').trim();
    applyFilters({ status: value('status'), created: value('created'), folder: value('folder'), project: value('project'), package: value('package') });
  });
  clear.addEventListener('click', () => {
    form.reset();
    for (const control of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) control.value = '';
    applyFilters({ status: '', created: '', folder: '', project: '', package: '' });
  });
  more.addEventListener('click', () => void loadMore());

  function applyFilters(next: ExecutionFilters): void {
    filters = next;
    // The address follows the filters (to share or reload them) without a new history entry per change.
    history.replaceState(null, '', href(['executions'], { ...filters }));
    executions = [];
    poller.now();
  }

  const poller = poll(context.signal, () => refreshMs, async () => {
    try {
      const page = await context.call(listExecutions, { query: { ...queryFor(filters), limit: Math.min(maxPageSize, Math.max(pageSize, executions.length)), offset: 0 } });
      executions = page.executions;
      nextOffset = page.nextOffset;
      note.succeeded();
      render();
    } catch (error) {
      note.failed(error);
    }
  });

  async function loadMore(): Promise<void> {
    if (nextOffset === null) return;
    try {
      const page = await context.call(listExecutions, { query: { ...queryFor(filters), limit: pageSize, offset: nextOffset } });
      executions = [...executions, ...page.executions];
      nextOffset = page.nextOffset;
      render();
    } catch (error) {
      note.failed(error);
    }
  }

  async function loadChoices(): Promise<void> {
    try {
      const [{ projects }, listed] = [await context.call(listProjects, {}), await context.call(listWorkers, {})];
      fillChoices(projects);
      workers = new Map(listed.workers.map((worker) => [worker.workerAgentId, worker.displayName]));
      render();
    } catch (error) {
      if (!isAbort(error)) note.failed(error);
    }
  }

  function fillChoices(projects: readonly ProjectVersionView[]): void {
    const options = (values: Iterable<string>) => [...new Set(values)].sort().map((value) => h('option', { value }));
    datalists.folder.replaceChildren(...options(projects.map((p) => p.folderName)));
    datalists.project.replaceChildren(...options(projects.map((p) => p.projectName)));
    datalists.package.replaceChildren(...options(projects.flatMap((p) => p.packages.map((pkg) => pkg.name))));
  }

  function render(): void {
    const shown = plural(executions.length, 'execution');
    const counted = `${shown}${isFiltered(filters) ? ' match the filters' : ''}${nextOffset === null ? '' : ' (more below)'}`;
    // A live region: touched only when the count changes, or it would be read out on every refresh.
    if (count.textContent !== counted) count.textContent = counted;
    more.hidden = nextOffset === null;
    if (executions.length === 0) {
      replaceContent(listRegion, h('p', { class: 'empty' }, isFiltered(filters) ? 'No execution matches these filters.' : 'No execution yet. ', isFiltered(filters) || !mayCreate ? null : [h('a', { href: '#/executions/new' }, 'Start one'), '.']));
      return;
    }
    replaceContent(
      listRegion,
      h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, 'Executions, newest first'),
        h('thead', {}, h('tr', {}, ['ID', 'Package', 'Status', 'Worker', 'Attempts', 'Created', 'Duration'].map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, executions.map(row)),
      ),
    );
  }

  function row(execution: ExecutionSummaryView): HTMLTableRowElement {
    const started = execution.startTime === null ? null : Date.parse(execution.startTime);
    const ended = execution.endTime === null ? Date.now() : Date.parse(execution.endTime);
    return h(
      'tr',
      {},
      h('td', {}, h('a', { href: href(['executions', execution.executionId]), 'data-focus-key': `execution-${execution.executionId}` }, String(execution.executionId))),
      h('td', {}, h('span', { class: 'muted' }, `${execution.folderName} / ${execution.projectName} / `), h('strong', {}, execution.packageName)),
      h('td', {}, executionStatusBadge(execution.status)),
      h('td', {}, workerLink(execution, workers)),
      h('td', {}, execution.attemptCount === 0 ? h('span', { class: 'muted' }, '—') : `${execution.attemptCount} of ${execution.retryCount + 1}`),
      h('td', {}, timeAgo(execution.createdTime)),
      h('td', {}, started === null ? h('span', { class: 'muted' }, '—') : duration(ended - started)),
    );
  }

  void loadChoices();
  return {
    element: h(
      'div',
      {},
      h('div', { class: 'page-header' }, h('h1', {}, 'Executions'), note.element, mayCreate ? h('a', { class: 'button button-primary', href: '#/executions/new' }, 'New execution') : null),
      h('section', { class: 'card', 'aria-label': 'Filters' }, form),
      h('section', { class: 'card', 'aria-labelledby': 'results-heading' }, h('h2', { id: 'results-heading', class: 'visually-hidden' }, 'Results'), count, listRegion, more),
    ),
  };
};
