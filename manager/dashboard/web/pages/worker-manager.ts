import { addWorker, disableWorker, enableWorker, listWorkers, removeWorker, setWorkerProperties } from '../../../../contracts/management/endpoints.js';
import type { WorkerAgentView } from '../../../../contracts/management/views.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href, type Route } from '../router.js';
import { agentVersionText, timeAgo, workerStatusBadge } from '../ui/badges.js';
import { confirmDialog } from '../ui/dialog.js';
import { h, hidden, replaceContent } from '../ui/dom.js';
import { tagList } from '../ui/facts.js';
import { clearFormErrors, showFormErrors } from '../ui/forms.js';
import { poll } from '../ui/poller.js';
import { refreshNote } from '../ui/refresh-note.js';
import { workerDetails, type WorkerActions } from './worker-details.js';
import { workerEditForm, type WorkerChanges } from './worker-edit-form.js';

const refreshMs = 5_000;

/**
 * SSIS Scale Out Manager's Worker Manager: every worker with its state, and the selected one's details and
 * actions (enable, disable, edit, delete) beside the list.
 */
export const workerManagerPage: PageFactory = (context) => {
  context.setTitle('Worker Manager');
  const note = refreshNote('5 s');
  const listRegion = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const detailsRegion = h('section', { class: 'card details', 'aria-labelledby': 'details-heading' });
  let workers: WorkerAgentView[] | undefined;
  let masterVersion = '';
  let selectedId = context.route.path[1];
  let editing = false;
  let actionError: string | undefined;
  let notice: string | undefined;
  const mayAdd = context.may(addWorker);
  const actions: WorkerActions = {
    ...(context.may(enableWorker) && context.may(disableWorker) ? { toggle: (button: HTMLButtonElement) => void toggle(button) } : {}),
    ...(context.may(setWorkerProperties) ? { edit } : {}),
    ...(context.may(removeWorker) ? { remove: () => void remove() } : {}),
  };

  const poller = poll(context.signal, () => refreshMs, async () => {
    try {
      ({ workers, masterVersion } = await context.call(listWorkers, {}));
      note.succeeded();
      render();
    } catch (error) {
      note.failed(error);
    }
  });

  const selected = (): WorkerAgentView | undefined => workers?.find((w) => w.workerAgentId === selectedId);

  function render(): void {
    renderList();
    // An open edit form is the user's work in progress: refreshes leave it alone.
    if (!editing) renderDetails();
  }

  function renderList(): void {
    if (!workers) return;
    if (workers.length === 0) {
      replaceContent(listRegion, h('p', { class: 'empty' }, 'No worker yet.', mayAdd ? [' Add one with its certificate: ', h('a', { href: '#/workers/new' }, 'Add worker'), '.'] : null));
      return;
    }
    const outdated = workers.filter((w) => w.agentOutdated).length;
    replaceContent(
      listRegion,
      outdated > 0
        ? h('p', { class: 'callout callout-warning' }, `${outdated} of ${workers.length} agents are older than the master (${masterVersion}): run scaleout-worker update on those machines.`)
        : null,
      h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, "Workers, with their status, capacity in use, last contact and agent's version"),
        h('thead', {}, h('tr', {}, ['Status', 'Worker', 'Capacity in use', 'Last seen', 'Agent', 'Tags'].map((title) => h('th', { scope: 'col' }, title)))),
        h('tbody', {}, workers.map(workerRow)),
      ),
    );
  }

  function workerRow(worker: WorkerAgentView): HTMLTableRowElement {
    const isSelected = worker.workerAgentId === selectedId;
    return h(
      'tr',
      { class: isSelected ? 'selected' : '' },
      h('td', {}, workerStatusBadge(worker.status)),
      h(
        'td',
        {},
        h(
          'a',
          { href: href(['workers', worker.workerAgentId]), 'aria-current': isSelected ? 'true' : null, 'data-focus-key': `worker-${worker.workerAgentId}` },
          worker.displayName,
        ),
        worker.machineName !== worker.displayName ? h('div', { class: 'muted small' }, worker.machineName) : null,
      ),
      h(
        'td',
        {},
        h('meter', { min: 0, max: worker.maxTaskCount, value: worker.runningTaskCount, high: worker.maxTaskCount * 0.8, optimum: 0, 'aria-hidden': 'true' }),
        ` ${worker.runningTaskCount} / ${worker.maxTaskCount}`,
        hidden(' tasks running'),
      ),
      h('td', {}, timeAgo(worker.lastOnlineTime)),
      h('td', {}, agentVersionText(worker)),
      h('td', {}, tagList(worker.tags)),
    );
  }

  function renderDetails(): void {
    // Visible only: a live region inserted with its text is not reliably read, so actions use context.announce.
    const noticeElement = notice ? h('p', { class: 'callout callout-success' }, notice) : null;
    if (selectedId === undefined) {
      replaceContent(detailsRegion, h('h2', { id: 'details-heading', tabindex: '-1' }, 'Details'), noticeElement, h('p', { class: 'muted' }, actions.toggle ? 'Select a worker to see its details and to enable, disable, edit or delete it.' : 'Select a worker to see its details.'));
      return;
    }
    const worker = selected();
    if (!worker) {
      replaceContent(
        detailsRegion,
        workers
          ? [h('h2', { id: 'details-heading', tabindex: '-1' }, 'Worker not found'), h('p', {}, `No worker has the ID ${selectedId}; it may have been deleted.`)]
          : h('h2', { id: 'details-heading', tabindex: '-1' }, 'Loading…'),
      );
      return;
    }
    replaceContent(
      detailsRegion,
      noticeElement,
      workerDetails(worker, actions, actionError),
    );
  }

  function replaceWorker(updated: WorkerAgentView): void {
    workers = workers?.map((w) => (w.workerAgentId === updated.workerAgentId ? updated : w));
  }

  async function toggle(button: HTMLButtonElement): Promise<void> {
    const worker = selected();
    if (!worker || button.getAttribute('aria-disabled') === 'true') return;
    // Busy, not disabled: a disabled button drops the keyboard focus.
    button.setAttribute('aria-disabled', 'true');
    notice = undefined;
    try {
      const params = { workerAgentId: worker.workerAgentId };
      const updated = await context.call(worker.isEnabled ? disableWorker : enableWorker, { params });
      actionError = undefined;
      replaceWorker(updated);
      context.announce(`${updated.displayName} is ${updated.isEnabled ? 'enabled' : 'disabled'}; status ${updated.status}.`);
    } catch (error) {
      if (isAbort(error)) return;
      actionError = describeError(error).message;
    }
    render();
  }

  function edit(): void {
    const worker = selected();
    if (!worker) return;
    editing = true;
    notice = undefined;
    actionError = undefined;
    replaceContent(detailsRegion, workerEditForm(worker, { save, cancel: () => closeEditor() }));
    detailsRegion.querySelector<HTMLElement>('input')?.focus();
  }

  async function save(changes: WorkerChanges, form: HTMLFormElement, summary: HTMLElement): Promise<void> {
    const worker = selected();
    if (!worker) return;
    if (Object.keys(changes).length === 0) {
      closeEditor('Nothing changed.');
      return;
    }
    clearFormErrors(form, summary);
    try {
      replaceWorker(await context.call(setWorkerProperties, { params: { workerAgentId: worker.workerAgentId }, body: changes }));
      closeEditor('Saved.');
    } catch (error) {
      if (!isAbort(error)) showFormErrors(form, summary, describeError(error));
    }
  }

  function closeEditor(message?: string): void {
    editing = false;
    notice = message;
    render();
    if (message) context.announce(message);
    detailsRegion.querySelector<HTMLElement>('[data-focus-key="worker-edit"]')?.focus();
  }

  async function remove(): Promise<void> {
    const worker = selected();
    if (!worker) return;
    const confirmed = await confirmDialog({
      title: `Delete ${worker.displayName}?`,
      body:
        'The worker can no longer connect, and the tasks it runs are given to other workers (or end, when no retry is left). ' +
        'To use it again you add it again with its certificate.',
      confirm: 'Delete worker',
      danger: true,
    });
    if (!confirmed) return;
    try {
      await context.call(removeWorker, { params: { workerAgentId: worker.workerAgentId } });
      workers = workers?.filter((w) => w.workerAgentId !== worker.workerAgentId);
      actionError = undefined;
      notice = `${worker.displayName} was deleted.`;
      context.announce(notice);
      context.navigate('#/workers');
    } catch (error) {
      if (isAbort(error)) return;
      actionError = describeError(error).message;
      render();
    }
  }

  renderDetails();
  const addLink = mayAdd ? h('a', { class: 'button button-primary', href: '#/workers/new' }, h('span', { 'aria-hidden': 'true' }, '+ '), 'Add worker') : null;
  return {
    element: h(
      'div',
      {},
      h('div', { class: 'page-header' }, h('h1', {}, 'Worker Manager'), note.element),
      h(
        'div',
        { class: 'master-detail' },
        h('section', { class: 'card', 'aria-labelledby': 'list-heading' }, h('div', { class: 'card-header' }, h('h2', { id: 'list-heading', tabindex: '-1' }, 'Workers'), addLink), listRegion),
        detailsRegion,
      ),
    ),
    update(route: Route): boolean {
      if (route.path[0] !== 'workers' || route.path[1] === 'new') return false;
      const changed = route.path[1] !== selectedId;
      selectedId = route.path[1];
      editing = false;
      if (changed) {
        actionError = undefined;
        if (selectedId !== undefined) notice = undefined;
      }
      render();
      poller.now();
      // Selecting a worker moves the reader to its details; deleting one, back to the list.
      const target = selectedId === undefined ? 'list-heading' : 'details-heading';
      document.getElementById(target)?.focus();
      return true;
    },
  };
};
