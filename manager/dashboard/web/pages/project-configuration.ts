import {
  createEnvironmentReference,
  deleteEnvironmentReference,
  listEnvironmentReferences,
  listEnvironments,
  listObjectParameters,
  setObjectParameterValue,
} from '../../../../contracts/management/environment-endpoints.js';
import type { EnvironmentReferenceView, EnvironmentView, ObjectParameterView } from '../../../../contracts/management/views.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageContext } from '../page.js';
import { changeRunner } from '../ui/change-runner.js';
import { h, replaceContent } from '../ui/dom.js';
import { mono } from '../ui/facts.js';
import { inlineForm } from '../ui/inline-form.js';
import { maskedValue } from './environment-card.js';

/**
 * A deployed project's configuration (SSISDB catalog.object_parameters: each package parameter's literal V or
 * environment variable R, set_object_parameter_value) and its environment references
 * (catalog.environment_references, create/delete_environment_reference). A reader sees them without controls.
 */
export function projectConfiguration(context: PageContext, folderName: string, projectName: string): HTMLElement {
  const project = { folderName, projectName };
  const title = `${folderName} / ${projectName}`;
  const parametersRegion = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const referencesRegion = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const actionError = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const mayConfigure = context.may(setObjectParameterValue);
  const mayReference = context.may(createEnvironmentReference);

  async function load(): Promise<void> {
    const [parameters, references, environments] = await Promise.all([
      context.call(listObjectParameters, { params: project }),
      context.call(listEnvironmentReferences, { params: project }),
      mayReference ? context.call(listEnvironments, { query: {} }) : Promise.resolve({ environments: [] }),
    ]);
    renderParameters(parameters.parameters);
    renderReferences(references.references, environments.environments);
  }

  const change = changeRunner(context, actionError, load);

  function renderParameters(parameters: ObjectParameterView[]): void {
    if (parameters.length === 0) {
      replaceContent(parametersRegion, h('p', { class: 'empty' }, 'The packages declare no parameters.'));
      return;
    }
    const headers = ['Package', 'Parameter', 'Type', 'Set to', ...(mayConfigure ? ['Change'] : [])];
    replaceContent(
      parametersRegion,
      h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, `Parameters of ${title}`),
        h('thead', {}, h('tr', {}, headers.map((heading) => h('th', { scope: 'col' }, heading)))),
        h('tbody', {}, parameters.map(parameterRow)),
      ),
    );
  }

  function parameterRow(parameter: ObjectParameterView): HTMLTableRowElement {
    const name = `${parameter.packageName}.${parameter.parameterName}`;
    return h(
      'tr',
      { 'data-parameter': name },
      h('td', {}, parameter.packageName),
      h('th', { scope: 'row' }, parameter.parameterName, parameter.required ? h('span', { class: 'required' }, ' (required)') : null),
      h('td', {}, parameter.dataType, parameter.sensitive ? [' ', h('span', { class: 'badge badge-neutral' }, 'Sensitive')] : null),
      h('td', {}, setting(parameter)),
      mayConfigure ? h('td', {}, configureForm(parameter, name)) : null,
    );
  }

  function configureForm(parameter: ObjectParameterView, name: string): HTMLFormElement {
    const valueType = h(
      'select',
      { name: 'valueType', 'aria-label': `How ${name} is set` },
      h('option', { value: 'V' }, 'Value'),
      h('option', { value: 'R' }, 'Environment variable'),
    );
    const literalType = parameter.sensitive ? 'password' : 'text';
    const input = h('input', { type: literalType, name: 'value', required: true, autocomplete: parameter.sensitive ? 'new-password' : 'off', 'aria-label': `New setting of ${name}` });
    if (parameter.valueType === 'R') valueType.value = 'R';
    const follow = (): void => {
      input.type = valueType.value === 'R' ? 'text' : literalType;
      input.placeholder = valueType.value === 'R' ? 'Variable name' : 'Value';
    };
    follow();
    valueType.addEventListener('change', follow);
    const params = { ...project, packageName: parameter.packageName, parameterName: parameter.parameterName };
    return inlineForm(`Configure ${name}`, [valueType, input], `Set ${name}`, () =>
      change(
        () =>
          context.call(setObjectParameterValue, {
            params,
            body: valueType.value === 'R' ? { valueType: 'R', referencedVariableName: input.value.trim() } : { valueType: 'V', value: input.value },
          }),
        `${name} was set.`,
      ),
    );
  }

  function renderReferences(references: EnvironmentReferenceView[], environments: EnvironmentView[]): void {
    const list =
      references.length === 0
        ? h('p', { class: 'empty' }, 'No environment referenced: an execution can only take literal values and defaults.')
        : h(
            'ul',
            { class: 'plain-list' },
            references.map((reference) => {
              const label = referenceLabel(reference);
              return h(
                'li',
                { 'data-reference': reference.referenceId },
                label,
                ' ',
                h('span', { class: 'small muted' }, reference.referenceType === 'R' ? '(relative: this folder)' : '(absolute)', ` · reference ${reference.referenceId}`),
                mayReference
                  ? [
                      ' ',
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'button button-danger-quiet',
                          onclick: () =>
                            void change(() => context.call(deleteEnvironmentReference, { params: { ...project, referenceId: reference.referenceId } }), `${title} no longer references ${label}.`),
                        },
                        `Remove reference to ${label}`,
                      ),
                    ]
                  : null,
              );
            }),
          );
    replaceContent(referencesRegion, list, mayReference ? addReferenceForm(environments) : null);
  }

  function addReferenceForm(environments: EnvironmentView[]): HTMLElement {
    if (environments.length === 0) return h('p', { class: 'muted' }, 'No environment exists yet: create one on the ', h('a', { href: '#/environments' }, 'Environments'), ' page.');
    const choice = h(
      'select',
      { name: 'environmentName', 'aria-label': 'Environment to reference' },
      environments.map((e) => h('option', { value: `${e.folderName}/${e.name}` }, `${e.folderName} / ${e.name}`)),
    );
    return inlineForm(`Reference an environment from ${title}`, [choice], 'Add reference', () => {
      const picked = environments.find((e) => `${e.folderName}/${e.name}` === choice.value);
      if (!picked) return Promise.resolve();
      // Relative when in the project's own folder, as SSISDB's reference_type R: it follows the project.
      const body = picked.folderName === folderName ? { environmentName: picked.name } : { environmentName: picked.name, environmentFolderName: picked.folderName };
      return change(() => context.call(createEnvironmentReference, { params: project, body }), `${title} references ${picked.folderName} / ${picked.name}.`);
    });
  }

  load().catch((error: unknown) => {
    if (isAbort(error)) return;
    const message = describeError(error).message;
    replaceContent(parametersRegion, h('p', { class: 'empty' }, message));
    replaceContent(referencesRegion, null);
  });

  return h(
    'div',
    {},
    actionError,
    h('section', { class: 'card', 'aria-label': 'Configuration' }, h('h2', {}, 'Configuration'), parametersRegion),
    h('section', { class: 'card', 'aria-label': 'Environment references' }, h('h2', {}, 'Environment references'), referencesRegion),
  );
}

function setting(parameter: ObjectParameterView): Node | string {
  if (!parameter.valueSet) {
    return parameter.designDefaultValue === null
      ? h('span', { class: 'muted' }, parameter.sensitive ? 'Not set' : 'No default')
      : h('span', { class: 'muted' }, 'Default: ', mono(String(parameter.designDefaultValue)));
  }
  if (parameter.valueType === 'R') return h('span', {}, 'Variable ', mono(parameter.referencedVariableName ?? ''));
  return parameter.sensitive ? maskedValue : mono(String(parameter.value));
}

const referenceLabel = (reference: EnvironmentReferenceView): string =>
  `${reference.environmentFolderName ?? reference.folderName} / ${reference.environmentName}`;
