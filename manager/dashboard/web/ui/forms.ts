import { describeFieldErrors, fieldLabel } from '../../../../contracts/field-errors.js';
import type { ErrorDescription } from '../api/describe-error.js';
import { h, type Child } from './dom.js';

let fieldCount = 0;

/**
 * A labelled form field: the label, an optional hint tied to the control by aria-describedby, and the control.
 * The control's `name` is the API field it edits (e.g. `description`, `parameters.BatchSize`), so errors can
 * point at it; `data-label` names it in error messages when the label says more than the name.
 */
export function field(label: Child, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: Child): HTMLDivElement {
  const id = control.id || `field-${++fieldCount}`;
  control.id = id;
  const hintElement = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), hintElement, control);
}

/**
 * Shows why a form was refused: a summary (announced at once) and each blamed field marked invalid, with focus
 * moved to the summary so a keyboard user lands on it.
 */
export function showFormErrors(form: HTMLFormElement, summary: HTMLElement, error: ErrorDescription): void {
  clearFormErrors(form, summary);
  const items = error.fields.map(({ field: name, reason }) => {
    const control = controlFor(form, name);
    if (control) control.setAttribute('aria-invalid', 'true');
    const label = control?.dataset['label'] ?? control?.labels?.[0]?.textContent ?? fieldLabel(name);
    const sentence = describeFieldErrors([{ field: name, reason }], () => label);
    return h('li', {}, control ? h('a', { href: `#${control.id}`, onclick: focusControl(control) }, sentence) : sentence);
  });
  summary.replaceChildren(h('p', {}, error.message), ...(items.length > 0 ? [h('ul', {}, items)] : []));
  summary.hidden = false;
  summary.focus();
}

export function clearFormErrors(form: HTMLFormElement, summary: HTMLElement): void {
  summary.hidden = true;
  summary.replaceChildren();
  for (const invalid of form.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
}

/** The error summary region of a form; focusable so showFormErrors can move focus to it. */
export function errorSummary(): HTMLDivElement {
  return h('div', { class: 'callout callout-danger', role: 'alert', tabindex: '-1', hidden: true });
}

/** The control a field error points at: `body.tags.0` → `tags.0`, else its first segment `tags`. */
function controlFor(form: HTMLFormElement, apiField: string): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null {
  const name = apiField.replace(/^body\./, '');
  const find = (candidate: string) =>
    form.querySelector<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(`[name="${CSS.escape(candidate)}"]`);
  return find(name) ?? find(name.split('.')[0] ?? name);
}

// The links live in a hash-routed app: follow them by moving focus, not by changing the route.
const focusControl = (control: HTMLElement) => (event: Event) => {
  event.preventDefault();
  control.focus();
};
