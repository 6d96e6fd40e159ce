import { describeError, isAbort } from '../api/describe-error.js';
import type { PageContext } from '../page.js';

/** What a page's controls call to make a change: `done` is announced once the catalog shows it. */
export type RunChange = (action: () => Promise<unknown>, done: string) => Promise<void>;

/**
 * Runs a change, then shows the catalog as it now is (`reload`); a refusal shows in `errorBox`, naming what the
 * master said, and changes nothing on the page.
 */
export function changeRunner(context: Pick<PageContext, 'announce'>, errorBox: HTMLElement, reload: () => Promise<void>): RunChange {
  return async (action, done) => {
    try {
      await action();
      errorBox.hidden = true;
      await reload();
      context.announce(done);
    } catch (error) {
      if (isAbort(error)) return;
      errorBox.textContent = describeError(error).message;
      errorBox.hidden = false;
    }
  };
}
