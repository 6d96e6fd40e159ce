import { h, type Child } from './dom.js';

/**
 * A one-line form inside a table row or card (a new value, a new name): its controls side by side and a submit
 * button; Enter submits. `onSubmit` runs once at a time.
 */
export function inlineForm(label: string, controls: Child[], submitLabel: string, onSubmit: () => Promise<void>): HTMLFormElement {
  let busy = false;
  const form = h('form', { class: 'inline-form', 'aria-label': label }, controls, h('button', { type: 'submit', class: 'button' }, submitLabel));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    void onSubmit().finally(() => (busy = false));
  });
  return form;
}
