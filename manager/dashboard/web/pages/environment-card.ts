import {
  createEnvironmentVariable,
  deleteEnvironment,
  deleteEnvironmentVariable,
  renameEnvironment,
  setEnvironmentVariableValue,
} from '../../../../contracts/management/environment-endpoints.js';
import { ParameterDataType, type EnvironmentVariableView, type EnvironmentView } from '../../../../contracts/management/views.js';
import { timeAgo } from '../ui/badges.js';
import { confirmDialog } from '../ui/dialog.js';
import { h } from '../ui/dom.js';
import { inlineForm } from '../ui/inline-form.js';
import type { PageContext } from '../page.js';

/** What a card needs from its page: the calls, and `change` to run one, say what it did and show the new state. */
export interface EnvironmentActions {
  call: PageContext['call'];
  /** Whether the role may change environments (a reader sees none of the controls). */
  mayChange: boolean;
  change(action: () => Promise<unknown>, done: string): Promise<void>;
}

/** A sensitive value is never sent to the browser; this is all that shows of it. */
export const maskedValue = '********';

const shownValue = (v: EnvironmentVariableView): string => (v.sensitive ? maskedValue : String(v.value));

/**
 * One environment (SSISDB catalog.environments) and its typed variables (catalog.environment_variables); for a
 * role that may, rename/delete_environment and create/set/delete of its variables.
 */
export function environmentCard(environment: EnvironmentView, actions: EnvironmentActions): HTMLElement {
  const params = { folderName: environment.folderName, environmentName: environment.name };
  const title = `${environment.folderName} / ${environment.name}`;
  const { call, change, mayChange } = actions;

  const controls = mayChange
    ? h(
        'div',
        { class: 'actions actions-start' },
        (() => {
          const newName = h('input', { type: 'text', name: 'newName', required: true, autocomplete: 'off', 'aria-label': `New name of ${title}`, placeholder: 'New name' });
          return inlineForm(`Rename ${title}`, [newName], 'Rename', () =>
            change(() => call(renameEnvironment, { params, body: { newName: newName.value.trim() } }), `${title} is now ${environment.folderName} / ${newName.value.trim()}.`),
          );
        })(),
        h(
          'button',
          {
            type: 'button',
            class: 'button button-danger-quiet',
            onclick: () =>
              void confirmDialog({
                title: `Delete ${title}?`,
                body: 'Its variables go with it. A project that references it must drop the reference first.',
                confirm: 'Delete environment',
                danger: true,
              }).then((confirmed) => (confirmed ? change(() => call(deleteEnvironment, { params }), `${title} was deleted.`) : undefined)),
          },
          `Delete ${title}`,
        ),
      )
    : null;

  return h(
    'section',
    { class: 'card', 'aria-label': title, 'data-environment': `${environment.folderName}/${environment.name}` },
    h('h2', {}, title),
    h('p', { class: 'small muted' }, environment.description ? [environment.description, ' · '] : null, 'created ', timeAgo(environment.createdTime), ' by ', environment.createdBy),
    controls,
    variablesTable(environment, title, actions),
    mayChange ? newVariableForm(params, title, actions) : null,
  );
}

function variablesTable(environment: EnvironmentView, title: string, { call, change, mayChange }: EnvironmentActions): HTMLElement {
  if (environment.variables.length === 0) return h('p', { class: 'empty' }, 'No variables yet.');
  const headers = ['Variable', 'Type', 'Value', 'Description', ...(mayChange ? ['Change'] : [])];
  const row = (variable: EnvironmentVariableView): HTMLTableRowElement => {
    const params = { folderName: environment.folderName, environmentName: environment.name, variableName: variable.name };
    const value = h('input', {
      type: variable.sensitive ? 'password' : 'text',
      name: 'value',
      required: true,
      autocomplete: variable.sensitive ? 'new-password' : 'off',
      'aria-label': `New value of ${variable.name}`,
      placeholder: 'New value',
    });
    return h(
      'tr',
      { 'data-variable': variable.name },
      h('th', { scope: 'row' }, variable.name),
      h('td', {}, variable.dataType, variable.sensitive ? [' ', h('span', { class: 'badge badge-neutral' }, 'Sensitive')] : null),
      h('td', {}, shownValue(variable)),
      h('td', {}, variable.description || h('span', { class: 'muted' }, '—')),
      mayChange
        ? h(
            'td',
            {},
            h(
              'div',
              { class: 'actions actions-start' },
              inlineForm(`Set ${variable.name}`, [value], `Set ${variable.name}`, () =>
                change(() => call(setEnvironmentVariableValue, { params, body: { value: value.value } }), `${variable.name} was set.`),
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'button button-danger-quiet',
                  onclick: () => void change(() => call(deleteEnvironmentVariable, { params }), `${variable.name} was deleted from ${title}.`),
                },
                `Delete ${variable.name}`,
              ),
            ),
          )
        : null,
    );
  };
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table' },
      h('caption', { class: 'visually-hidden' }, `Variables of ${title}`),
      h('thead', {}, h('tr', {}, headers.map((heading) => h('th', { scope: 'col' }, heading)))),
      h('tbody', {}, environment.variables.map(row)),
    ),
  );
}

/** create_environment_variable: a sensitive one's value goes in a password box and is never shown again. */
function newVariableForm(params: { folderName: string; environmentName: string }, title: string, { call, change }: EnvironmentActions): HTMLElement {
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off', 'aria-label': 'Variable name', placeholder: 'Name' });
  const dataType = h('select', { name: 'dataType', 'aria-label': 'Type' }, ParameterDataType.options.map((type) => h('option', { value: type }, type)));
  const sensitive = h('input', { type: 'checkbox', name: 'sensitive', id: `sensitive-${params.folderName}-${params.environmentName}` });
  const value = h('input', { type: 'text', name: 'value', autocomplete: 'off', 'aria-label': 'Value', placeholder: 'Value' });
  const description = h('input', { type: 'text', name: 'description', autocomplete: 'off', 'aria-label': 'Description', placeholder: 'Description (optional)' });
  sensitive.addEventListener('change', () => {
    value.type = sensitive.checked ? 'password' : 'text';
    value.autocomplete = sensitive.checked ? 'new-password' : 'off';
  });
  return h(
    'div',
    {},
    h('h3', {}, 'Add a variable'),
    inlineForm(
      `Add a variable to ${title}`,
      [name, dataType, h('label', { class: 'checkbox-label' }, sensitive, ' Sensitive'), value, description],
      'Add variable',
      () =>
        change(
          () =>
            call(createEnvironmentVariable, {
              params,
              body: {
                name: name.value.trim(),
                dataType: ParameterDataType.parse(dataType.value),
                sensitive: sensitive.checked,
                value: value.value,
                ...(description.value.trim() !== '' ? { description: description.value.trim() } : {}),
              },
            }),
          `${name.value.trim()} was added to ${title}.`,
        ),
    ),
  );
}
