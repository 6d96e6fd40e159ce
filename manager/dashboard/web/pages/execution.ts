import { getExecution, listWorkers, stopExecution } from '../../../../contracts/management/endpoints.js';
import type { ExecutionView } from '../../../../contracts/management/views.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { attemptStateBadge, executionStatusBadge, timeAt, timeShort } from '../ui/badges.js';
import { confirmDialog } from '../ui/dialog.js';
import { h, replaceContent } from '../ui/dom.js';
import { clipped, facts, mono, tagList } from '../ui/facts.js';
import { duration, isActive, statusName } from '../ui/format.js';
import { poll } from '../ui/poller.js';
import { refreshNote } from '../ui/refresh-note.js';
import { eventLog } from './event-log.js';
import { notFoundPage } from './not-found.js';
import { workerLink } from './worker-link.js';

/**
 * One execution: its status (and, while it waits, why), its parameters (sensitive ones masked), each attempt
 * with its worker, the executions it started (its children, linked), the live log, and Stop.
 */
export const executionPage: PageFactory = (context) => {
  const executionId = Number(context.route.path[1]);
  if (!Number.isSafeInteger(executionId) || executionId <= 0) return notFoundPage(context);
  context.setTitle(`Execution ${executionId}`);
  const note = refreshNote('2 s while it runs');
  const status = h('span', { class: 'heading-status' });
  const stop = h('button', { type: 'button', class: 'button button-danger-quiet', hidden: true, 'data-focus-key': 'stop' }, 'Stop…');
  const body = h('div', { class: 'stack' }, h('p', { class: 'muted' }, 'Loading…'));
  let workers: Map<string, string> | undefined;
  let execution: ExecutionView | undefined;
  let stopError: string | undefined;
  const mayStop = context.may(stopExecution);

  const poller = poll(context.signal, () => (execution && !isActive(execution.status) ? 30_000 : 2_000), async () => {
    try {
      const previous = execution?.status;
      execution = await context.call(getExecution, { params: { executionId } });
      note.succeeded();
      if (previous !== undefined && previous !== execution.status) context.announce(`Execution ${executionId} is ${statusName(execution.status)}.`);
      render(execution);
    } catch (error) {
      note.failed(error);
    }
  });

  stop.addEventListener('click', () => void stopIt());

  async function stopIt(): Promise<void> {
    const confirmed = await confirmDialog({
      title: `Stop execution ${executionId}?`,
      body: 'A waiting execution is canceled at once; a running one is stopping until its worker confirms it stopped the package.',
      confirm: 'Stop execution',
      danger: true,
    });
    if (!confirmed) return;
    try {
      execution = await context.call(stopExecution, { params: { executionId } });
      stopError = undefined;
      context.announce(`Execution ${executionId} is ${statusName(execution.status)}.`);
      render(execution);
    } catch (error) {
      if (isAbort(error)) return;
      stopError = describeError(error).message;
      poller.now();
    }
  }

  async function loadWorkerNames(): Promise<void> {
    try {
      workers = new Map((await context.call(listWorkers, {})).workers.map((worker) => [worker.workerAgentId, worker.displayName]));
      if (execution) render(execution);
    } catch {
      // Worker IDs are shown instead of names.
    }
  }

  function render(view: ExecutionView): void {
    replaceContent(status, executionStatusBadge(view.status));
    stop.hidden = !mayStop || !isActive(view.status) || view.status === 8;
    replaceContent(
      body,
      stopError ? h('div', { class: 'callout callout-danger', role: 'alert' }, stopError) : null,
      view.waitingReason ? h('p', { class: 'callout callout-warning waiting' }, h('strong', {}, 'Waiting: '), view.waitingReason) : null,
      view.statusMessage
        ? h('p', { class: `callout ${view.status === 4 || view.status === 6 ? 'callout-danger' : 'callout-neutral'}` }, h('strong', {}, 'Result: '), view.statusMessage)
        : null,
      h('section', { class: 'card', 'aria-labelledby': 'summary-heading' }, h('h2', { id: 'summary-heading' }, 'Summary'), summaryFacts(view)),
      h('div', { class: 'grid-2' }, parametersCard(view), attemptsCard(view)),
      view.children.length > 0 ? childrenCard(view) : null,
    );
  }

  function summaryFacts(view: ExecutionView): HTMLElement {
    const end = view.endTime === null ? Date.now() : Date.parse(view.endTime);
    return facts(
      [
        ['Package', h('a', { href: href(['executions'], { folder: view.folderName, project: view.projectName, package: view.packageName }) }, `${view.folderName} / ${view.projectName} / ${view.packageName}`)],
        ['Created', h('span', {}, timeAt(view.createdTime), ' by ', mono(view.createdBy))],
        ['Started', timeAt(view.startTime, 'not yet')],
        ['Ended', timeAt(view.endTime, view.startTime === null ? '—' : 'still running')],
        view.startTime === null ? null : ['Duration', duration(end - Date.parse(view.startTime))],
        ['Retry count', `${view.retryCount} (${view.attemptCount} of ${view.retryCount + 1} attempts used)`],
        ['Runs on', view.useAnyWorker ? 'any worker' : h('span', {}, ...view.workerAgentIds.flatMap((id, i) => [i > 0 ? ', ' : '', workerLink({ workerAgentId: id }, workers)]))],
        ['Required tags', tagList(view.requiredTags)],
        ['Timeout', view.timeoutMs === null ? 'none' : duration(view.timeoutMs)],
        view.parentExecutionId === null
          ? null
          : ['Parent', h('span', {}, h('a', { href: href(['executions', view.parentExecutionId]) }, `Execution ${view.parentExecutionId}`), view.childKey === null ? null : [' as ', mono(view.childKey)])],
      ],
      'facts facts-wide',
    );
  }

  function parametersCard(view: ExecutionView): HTMLElement {
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'parameters-heading' },
      h('h2', { id: 'parameters-heading' }, 'Parameters'),
      view.parameters.length === 0
        ? h('p', { class: 'muted' }, 'None set: the package\'s defaults apply.')
        : h(
            'table',
            { class: 'table' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Value'))),
            h(
              'tbody',
              {},
              view.parameters.map((parameter) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, parameter.name),
                  h('td', {}, parameter.sensitive ? h('span', { class: 'masked' }, h('span', { 'aria-hidden': 'true' }, '•••••• '), 'sensitive, hidden') : mono(String(parameter.value))),
                ),
              ),
            ),
          ),
    );
  }

  function attemptsCard(view: ExecutionView): HTMLElement {
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'attempts-heading' },
      h('h2', { id: 'attempts-heading' }, 'Attempts'),
      view.attempts.length === 0
        ? h('p', { class: 'muted' }, 'No worker has taken it yet.')
        : h(
            'table',
            { class: 'table' },
            h('thead', {}, h('tr', {}, ['#', 'State', 'Worker', 'Claimed', 'Ended', 'Exit code'].map((title) => h('th', { scope: 'col' }, title)))),
            h(
              'tbody',
              {},
              view.attempts.map((attempt) =>
                h(
                  'tr',
                  {},
                  h('td', {}, String(attempt.attemptNumber)),
                  h('td', {}, attemptStateBadge(attempt.state), attempt.cancelRequested && attempt.endTime === null ? h('div', { class: 'small muted' }, 'cancel requested') : null),
                  h('td', {}, workerLink(attempt, workers)),
                  h('td', {}, timeShort(attempt.claimedTime)),
                  h('td', {}, timeShort(attempt.endTime), attempt.resultMessage ? h('div', { class: 'small muted' }, clipped(attempt.resultMessage, 'result')) : null),
                  h('td', {}, attempt.exitCode === null ? '—' : String(attempt.exitCode)),
                ),
              ),
            ),
          ),
    );
  }

  /** The executions this one started, each linked to its own page (where its children are, in turn). */
  function childrenCard(view: ExecutionView): HTMLElement {
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'children-heading' },
      h('h2', { id: 'children-heading' }, `Children (${view.children.length})`),
      h(
        'table',
        { class: 'table' },
        h('thead', {}, h('tr', {}, ['Execution', 'Key', 'Status', 'Package', 'Worker', 'Result'].map((title) => h('th', { scope: 'col' }, title)))),
        h(
          'tbody',
          {},
          view.children.map((child) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: href(['executions', child.executionId]) }, `Execution ${child.executionId}`)),
              h('td', {}, child.childKey === null ? h('span', { class: 'muted' }, '—') : clipped(child.childKey, 'key')),
              h('td', {}, executionStatusBadge(child.status)),
              h('td', {}, child.packageName),
              h('td', {}, workerLink(child, workers)),
              h('td', {}, child.statusMessage === null ? h('span', { class: 'muted' }, '—') : clipped(child.statusMessage, 'result')),
            ),
          ),
        ),
      ),
    );
  }

  void loadWorkerNames();
  return {
    element: h(
      'div',
      {},
      h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumb' }, h('a', { href: '#/executions' }, 'Executions'), ' / '),
      h('div', { class: 'page-header' }, h('h1', {}, `Execution ${executionId}`), status, note.element, stop),
      body,
      eventLog(
        context,
        executionId,
        () => execution === undefined || isActive(execution.status),
        // A child by its key, else its ID; a grandchild (not among the children) by its ID.
        (id) => execution?.children.find((c) => c.executionId === id)?.childKey ?? String(id),
      ),
    ),
  };
};
