import { describeError, isAbort } from '../api/describe-error.js';
import { h } from './dom.js';
import { clockTime } from './format.js';

/**
 * "Updated 14:03:22 · refreshes every 5 s", or why the last refresh failed. Not a live region: a screen reader
 * would otherwise read it every few seconds; failures that matter are announced by the app's banner.
 */
export function refreshNote(every: string): { element: HTMLElement; succeeded(): void; failed(error: unknown): void } {
  const element = h('p', { class: 'refresh-note muted' }, 'Loading…');
  return {
    element,
    succeeded() {
      element.classList.remove('refresh-failed');
      element.textContent = `Updated ${clockTime(new Date().toISOString())} · refreshes every ${every}`;
    },
    failed(error) {
      if (isAbort(error)) return;
      element.classList.add('refresh-failed');
      element.textContent = `Could not refresh at ${clockTime(new Date().toISOString())}: ${describeError(error).message}`;
    },
  };
}
