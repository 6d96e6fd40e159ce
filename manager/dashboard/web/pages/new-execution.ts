import type { ParameterValue } from '../../../../contracts/common.js';
import type { EndpointInput } from '../../../../contracts/endpoint.js';
import { createExecution, listProjects, listWorkers } from '../../../../contracts/management/endpoints.js';
import type { PackageView, ProjectVersionView, WorkerAgentView } from '../../../../contracts/management/views.js';
import { describeError, isAbort, type ErrorDescription } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { workerStatusBadge } from '../ui/badges.js';
import { h } from '../ui/dom.js';
import { parseTags } from '../ui/facts.js';
import { clearFormErrors, errorSummary, field, showFormErrors } from '../ui/forms.js';
import { parameterInput, type ParameterInput } from './parameter-input.js';

type CreateBody = EndpointInput<typeof createExecution>['body'];

/**
 * Start an execution (SSISDB create_execution + start_execution in one step): a package of a deployed project,
 * its declared parameters, a retry count, and optionally the workers or tags allowed to run it.
 */
export const newExecutionPage: PageFactory = (context) => {
  context.setTitle('New execution');
  const packageSelect = h('select', { name: 'packageName', required: true }, h('option', { value: '' }, 'Loading packages…'));
  const packageInfo = h('p', { class: 'hint', id: 'package-info' });
  const parameterRegion = h('div', { class: 'stack' });
  const retryCount = h('input', { type: 'number', name: 'retryCount', min: 0, max: 10, step: 1, value: 0, class: 'input-short' });
  const anyWorker = h('input', { type: 'radio', name: 'workerChoice', value: 'any', checked: true });
  const chosenWorkers = h('input', { type: 'radio', name: 'workerChoice', value: 'chosen' });
  const workerList = h('fieldset', { class: 'worker-choices', hidden: true }, h('legend', { class: 'visually-hidden' }, 'Workers allowed to run it'));
  const requiredTags = h('input', { type: 'text', name: 'requiredTags' });
  const summary = errorSummary();
  const start = h('button', { type: 'submit', class: 'button button-primary' }, 'Start execution');
  let packages: { project: ProjectVersionView; pkg: PackageView }[] = [];
  let inputs: { name: string; input: ParameterInput }[] = [];

  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'new-heading' },
    summary,
    h('fieldset', { class: 'card' }, h('legend', {}, 'Package'), field('Package', packageSelect), packageInfo, parameterRegion),
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

  packageSelect.addEventListener('change', () => showPackage());
  for (const radio of [anyWorker, chosenWorkers]) radio.addEventListener('change', () => (workerList.hidden = !chosenWorkers.checked));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function load(): Promise<void> {
    try {
      const [{ projects }, { workers }] = [await context.call(listProjects, {}), await context.call(listWorkers, {})];
      packages = projects.flatMap((project) => project.packages.map((pkg) => ({ project, pkg })));
      fillPackages(projects);
      fillWorkers(workers);
      showPackage();
    } catch (error) {
      if (!isAbort(error)) showFormErrors(form, summary, describeError(error));
    }
  }

  function fillPackages(projects: readonly ProjectVersionView[]): void {
    const wanted = ['folder', 'project', 'package'].map((name) => context.route.query.get(name) ?? '').join('/');
    packageSelect.replaceChildren(
      h('option', { value: '' }, projects.length === 0 ? 'No project is deployed yet' : 'Choose a package'),
      ...projects.map((project) =>
        h(
          'optgroup',
          { label: `${project.folderName} / ${project.projectName} (version ${project.versionNumber})` },
          project.packages.map((pkg) => {
            const value = keyOf(project, pkg);
            return h('option', { value, selected: value === wanted }, pkg.name);
          }),
        ),
      ),
    );
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

  function selectedPackage() {
    return packages.find(({ project, pkg }) => keyOf(project, pkg) === packageSelect.value);
  }

  function showPackage(): void {
    const chosen = selectedPackage();
    inputs = [];
    if (!chosen) {
      packageInfo.textContent = '';
      parameterRegion.replaceChildren();
      return;
    }
    const { pkg } = chosen;
    packageInfo.textContent = [pkg.description, `Runs ${pkg.entry} with the ${pkg.runner} runner.`].filter((s) => s !== '').join(' ');
    inputs = pkg.parameters.map((parameter) => ({ name: parameter.name, input: parameterInput(parameter) }));
    parameterRegion.replaceChildren(
      inputs.length === 0
        ? h('p', { class: 'muted' }, 'This package declares no parameter.')
        : h('fieldset', { class: 'parameters' }, h('legend', {}, 'Parameters'), inputs.map(({ input }) => input.element)),
    );
  }

  function requestBody(): CreateBody {
    const chosen = selectedPackage();
    const problems: ErrorDescription['fields'] = [];
    if (!chosen) problems.push({ field: 'packageName', reason: 'choose a package' });
    const parameters: Record<string, ParameterValue> = {};
    for (const { name, input } of inputs) {
      try {
        const value = input.read();
        if (value !== undefined) parameters[name] = value;
      } catch (error) {
        problems.push({ field: `parameters.${name}`, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    const workerAgentIds = chosenWorkers.checked
      ? [...workerList.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((box) => box.value)
      : [];
    if (chosenWorkers.checked && workerAgentIds.length === 0) problems.push({ field: 'workerAgentIds', reason: 'choose at least one worker, or let any worker run it' });
    if (problems.length > 0 || !chosen) throw new FormErrors(problems);
    const tags = parseTags(requiredTags.value);
    return {
      folderName: chosen.project.folderName,
      projectName: chosen.project.projectName,
      packageName: chosen.pkg.name,
      versionNumber: chosen.project.versionNumber,
      parameters,
      ...(workerAgentIds.length > 0 ? { workerAgentIds } : {}),
      ...(tags.length > 0 ? { requiredTags: tags } : {}),
      retryCount: retryCount.valueAsNumber,
      start: true,
    };
  }

  async function submit(): Promise<void> {
    clearFormErrors(form, summary);
    start.disabled = true;
    try {
      const execution = await context.call(createExecution, { body: requestBody() });
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

const keyOf = (project: ProjectVersionView, pkg: PackageView): string => `${project.folderName}/${project.projectName}/${pkg.name}`;

class FormErrors extends Error {
  constructor(readonly fields: ErrorDescription['fields']) {
    super(fields.map((f) => `${f.field}: ${f.reason}`).join('; '));
  }
}
