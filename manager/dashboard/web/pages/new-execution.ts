import type { EndpointInput } from '../../../../contracts/endpoint.js';
import { createExecution, listProjects, listWorkers } from '../../../../contracts/management/endpoints.js';
import type { WorkerAgentView } from '../../../../contracts/management/views.js';
import { describeError, isAbort, type ErrorDescription } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { workerStatusBadge } from '../ui/badges.js';
import { h } from '../ui/dom.js';
import { parseTags } from '../ui/facts.js';
import { clearFormErrors, errorSummary, field, showFormErrors } from '../ui/forms.js';
import { actionKey } from '../api/action-key.js';
import { FormErrors, packagePicker } from './package-picker.js';

type CreateBody = EndpointInput<typeof createExecution>['body'];

/**
 * Start an execution (SSISDB create_execution + start_execution in one step): a package of a deployed project,
 * its declared parameters, a retry count, and optionally the workers or tags allowed to run it.
 */
export const newExecutionPage: PageFactory = (context) => {
  context.setTitle('New execution');
  const picker = packagePicker();
  const retryCount = h('input', { type: 'number', name: 'retryCount', min: 0, max: 10, step: 1, value: 0, class: 'input-short' });
  const anyWorker = h('input', { type: 'radio', name: 'workerChoice', value: 'any', checked: true });
  const chosenWorkers = h('input', { type: 'radio', name: 'workerChoice', value: 'chosen' });
  const workerList = h('fieldset', { class: 'worker-choices', hidden: true }, h('legend', { class: 'visually-hidden' }, 'Workers allowed to run it'));
  const requiredTags = h('input', { type: 'text', name: 'requiredTags' });
  const summary = errorSummary();
  const start = h('button', { type: 'submit', class: 'button button-primary' }, 'Start execution');

  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'new-heading' },
    summary,
    picker.element,
    h(
      'fieldset',
      { class: 'card' },
      h('legend', {}, 'How it runs'),
      field('Retry count', retryCount, 'How many times a failed or lost attempt is tried again (0–10).'),
      h('div', { class: 'choices' }, h('label', {}, anyWorker, ' Any worker'), h('label', {}, chosenWorkers, ' Only the workers I choose')),
      workerList,
      field('Required tags', requiredTags, 'Only workers with every one of these tags run it. Separated by commas; optional.'),
    ),
    h('div', { class: 'actions actions-start' }, start, h('a', { class: 'button', href: '#/executions' }, 'Cancel')),
  );

  for (const radio of [anyWorker, chosenWorkers]) radio.addEventListener('change', () => (workerList.hidden = !chosenWorkers.checked));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function load(): Promise<void> {
    try {
      const [{ projects }, { workers }] = [await context.call(listProjects, {}), await context.call(listWorkers, {})];
      picker.fill(projects, ['folder', 'project', 'package'].map((name) => context.route.query.get(name) ?? '').join('/'));
      fillWorkers(workers);
    } catch (error) {
      if (!isAbort(error)) showFormErrors(form, summary, describeError(error));
    }
  }

  function fillWorkers(workers: readonly WorkerAgentView[]): void {
    workerList.append(
      ...(workers.length === 0
        ? [h('p', { class: 'muted' }, 'No worker is registered.')]
        : workers.map((worker) =>
            h('label', { class: 'worker-choice' }, h('input', { type: 'checkbox', name: 'workerAgentIds', value: worker.workerAgentId }), ` ${worker.displayName} `, workerStatusBadge(worker.status)),
          )),
    );
  }

  function requestBody(): CreateBody {
    const problems: ErrorDescription['fields'] = [];
    const chosen = picker.read(problems);
    const workerAgentIds = chosenWorkers.checked
      ? [...workerList.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((box) => box.value)
      : [];
    if (chosenWorkers.checked && workerAgentIds.length === 0) problems.push({ field: 'workerAgentIds', reason: 'choose at least one worker, or let any worker run it' });
    if (problems.length > 0 || !chosen) throw new FormErrors(problems);
    const tags = parseTags(requiredTags.value);
    const { picked, parameters } = chosen;
    return {
      folderName: picked.project.folderName,
      projectName: picked.project.projectName,
      packageName: picked.pkg.name,
      versionNumber: picked.project.versionNumber,
      parameters,
      ...(workerAgentIds.length > 0 ? { workerAgentIds } : {}),
      ...(tags.length > 0 ? { requiredTags: tags } : {}),
      retryCount: retryCount.valueAsNumber,
      start: true,
    };
  }

  const startKey = actionKey();

  async function submit(): Promise<void> {
    clearFormErrors(form, summary);
    start.disabled = true;
    try {
      const body = requestBody();
      const execution = await context.call(createExecution, { body }, { idempotencyKey: startKey(body) });
      context.flash(`Execution ${execution.executionId} of ${execution.packageName} was started.`);
      context.navigate(href(['executions', execution.executionId]));
    } catch (error) {
      if (isAbort(error)) return;
      showFormErrors(form, summary, error instanceof FormErrors ? { message: 'Please correct the form.', fields: error.fields } : describeError(error));
      start.disabled = false;
    }
  }

  void load();
  return {
    element: h(
      'div',
      { class: 'narrow' },
      h('nav', { 'aria-label': 'Breadcrumb', class: 'breadcrumb' }, h('a', { href: '#/executions' }, 'Executions'), ' / '),
      h('div', { class: 'page-header' }, h('h1', { id: 'new-heading' }, 'New execution')),
      form,
    ),
  };
};
