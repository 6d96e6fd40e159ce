import type { ParameterValue } from '../../../../contracts/common.js';
import type { PackageView } from '../../../../contracts/management/views.js';
import { h } from '../ui/dom.js';
import { field } from '../ui/forms.js';

type DeclaredParameter = PackageView['parameters'][number];

export interface ParameterInput {
  element: HTMLElement;
  /** The value to send, or undefined to leave the package's default. Throws a reason when it cannot be sent. */
  read(): ParameterValue | undefined;
}

/**
 * One declared parameter as a form control of its type: numbers as number inputs, Boolean as a checkbox,
 * DateTime as a date-time picker, sensitive values as password inputs (never echoed, never autofilled).
 * The control is named `parameters.<name>`, the field the master names when it refuses a value.
 */
export function parameterInput(parameter: DeclaredParameter): ParameterInput {
  const name = `parameters.${parameter.name}`;
  const hints = [
    parameter.description,
    parameter.defaultValue === null ? null : parameter.defaultValue === '' ? 'Default: empty.' : `Default: ${String(parameter.defaultValue)}.`,
    parameter.sensitive ? 'Sensitive: stored encrypted and never shown again.' : null,
  ].filter((hint): hint is string => hint !== null && hint !== '');
  const label = h(
    'span',
    {},
    parameter.name,
    ' ',
    h('span', { class: 'muted small' }, parameter.dataType),
    parameter.required ? h('span', { class: 'required' }, ' (required)') : null,
  );
  const hint = hints.length > 0 ? hints.join(' ') : undefined;

  if (parameter.dataType === 'Boolean') {
    const checkbox = h('input', { type: 'checkbox', name, checked: parameter.defaultValue === true, 'data-label': parameter.name });
    const element = field(label, checkbox, hint);
    element.classList.add('field-checkbox');
    return { element, read: () => checkbox.checked };
  }

  const input = h('input', { name, required: parameter.required, autocomplete: 'off', 'data-label': parameter.name });
  switch (parameter.dataType) {
    case 'String':
      input.type = parameter.sensitive ? 'password' : 'text';
      if (parameter.sensitive) input.autocomplete = 'new-password';
      break;
    case 'Int32':
    case 'Int64':
      input.type = 'number';
      input.step = '1';
      input.inputMode = 'numeric';
      break;
    case 'Double':
    case 'Decimal':
      input.type = 'number';
      input.step = 'any';
      input.inputMode = 'decimal';
      break;
    case 'DateTime':
      input.type = 'datetime-local';
      input.step = '1';
      break;
  }
  if (parameter.defaultValue !== null && !parameter.sensitive && input.type !== 'datetime-local') input.placeholder = String(parameter.defaultValue);
  return {
    element: field(label, input, hint),
    read() {
      if (input.validity.badInput) throw new Error(`not a valid ${parameter.dataType}`);
      if (input.value === '') {
        if (parameter.required && parameter.defaultValue === null) throw new Error('a value is required');
        return undefined;
      }
      switch (input.type) {
        case 'number':
          return input.valueAsNumber;
        case 'datetime-local':
          // The picker gives local time; the master wants an instant.
          return new Date(input.value).toISOString();
        default:
          return input.value;
      }
    },
  };
}
