import { h } from './dom.js';

/**
 * Asks before something that cannot be undone, in a modal <dialog>: the browser keeps focus inside it and closes
 * it on Escape; focus returns to whatever opened it. Resolves true when confirmed.
 */
export function confirmDialog(options: { title: string; body: string; confirm: string; danger?: boolean }): Promise<boolean> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const titleId = `dialog-title-${Date.now()}`;
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const ok = h('button', { type: 'submit', class: options.danger ? 'button button-danger' : 'button button-primary', value: 'confirm' }, options.confirm);
  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': titleId },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: titleId }, options.title),
      h('p', {}, options.body),
      h('div', { class: 'actions' }, cancel, ok),
    ),
  );
  cancel.addEventListener('click', () => dialog.close('cancel'));
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      opener?.focus();
      resolve(dialog.returnValue === 'confirm');
    });
    dialog.showModal();
    // The safe choice has focus first, as in the operating systems' own dialogs.
    cancel.focus();
  });
}
