import type { EndpointInput } from '../../../../contracts/endpoint.js';
import { createEnrollmentToken } from '../../../../contracts/management/endpoints.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageContext } from '../page.js';
import { timeAt } from '../ui/badges.js';
import { h } from '../ui/dom.js';
import { parseTags } from '../ui/facts.js';
import { clearFormErrors, errorSummary, field, showFormErrors } from '../ui/forms.js';
import { plural } from '../ui/format.js';

type TokenBody = EndpointInput<typeof createEnrollmentToken>['body'];

const expiries = [
  ['1 hour', 3600],
  ['1 day', 86_400],
  ['7 days', 7 * 86_400],
] as const;

/**
 * "Create a join command" (`scaleout worker token create`): an enrollment token with the tags, MaxTaskCount and
 * enabled flag the workers that join with it get, and the `scaleout-worker join` command to copy to the worker
 * machine. The token is in the master's answer only, so it is shown once, here. Nothing for a role that may not.
 */
export function joinCommandCard(context: PageContext): HTMLElement | null {
  if (!context.may(createEnrollmentToken)) return null;
  const tags = h('input', { type: 'text', name: 'tags' });
  const maxTaskCount = h('input', { type: 'number', name: 'maxTaskCount', min: 1, max: 1000, step: 1, placeholder: '10', class: 'input-short' });
  const enable = h('input', { type: 'checkbox', name: 'enableWorker' });
  const expires = h('select', { name: 'expiresInSeconds' }, expiries.map(([label, seconds]) => h('option', { value: seconds }, label)));
  const uses = h('input', { type: 'number', name: 'maxUses', min: 1, max: 1000, step: 1, value: 1, class: 'input-short' });
  const enableField = field('Workers that join start enabled', enable, 'Otherwise disabled, as in SSIS, until you enable each one.');
  enableField.classList.add('field-checkbox');
  const summary = errorSummary();
  const create = h('button', { type: 'submit', class: 'button button-primary' }, 'Create a join command');
  const result = h('section', { class: 'stack', 'aria-labelledby': 'join-command-heading', hidden: true });

  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'join-heading' },
    summary,
    h(
      'div',
      { class: 'grid-2' },
      field('Tags of the joining workers', tags, 'Separated by commas.'),
      field('MaxTaskCount of the joining workers', maxTaskCount, 'Tasks each runs at once; 10 when empty.'),
    ),
    h('div', { class: 'grid-2' }, field('Expires after', expires), field('Uses', uses, 'How many workers may join with it.')),
    enableField,
    h('div', { class: 'actions actions-start' }, create),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void createCommand();
  });

  function requestBody(): TokenBody {
    const body: TokenBody = { expiresInSeconds: Number(expires.value), enableWorker: enable.checked };
    if (tags.value.trim() !== '') body.tags = parseTags(tags.value);
    if (maxTaskCount.value !== '') body.maxTaskCount = maxTaskCount.valueAsNumber;
    if (uses.value !== '') body.maxUses = uses.valueAsNumber;
    return body;
  }

  async function createCommand(): Promise<void> {
    clearFormErrors(form, summary);
    create.disabled = true;
    try {
      const created = await context.call(createEnrollmentToken, { body: requestBody() });
      const command = h('code', { class: 'command' }, created.joinCommand);
      const copy = h('button', { type: 'button', class: 'button' }, 'Copy');
      const copied = h('span', { class: 'muted', role: 'status' });
      copy.addEventListener('click', () => {
        navigator.clipboard.writeText(created.joinCommand).then(
          () => (copied.textContent = 'Copied.'),
          () => (copied.textContent = 'The browser did not allow copying: select the command instead.'),
        );
      });
      result.replaceChildren(
        h('h3', { id: 'join-command-heading', tabindex: '-1' }, 'Run this on the worker machine'),
        h('pre', { class: 'command-block' }, command),
        h('div', { class: 'actions actions-start' }, copy, copied),
        h(
          'p',
          { class: 'hint' },
          `The token is shown only now. It serves ${plural(created.token.maxUses, 'join')} until `,
          timeAt(created.token.expiresTime),
          '; add --service to run the worker as a service. Revoke it with scaleout worker token revoke ',
          h('span', { class: 'mono' }, created.token.tokenId),
          '.',
        ),
      );
      result.hidden = false;
      result.querySelector<HTMLElement>('h3')?.focus();
      context.announce('The join command is ready to copy.');
    } catch (error) {
      if (isAbort(error)) return;
      showFormErrors(form, summary, describeError(error));
    } finally {
      create.disabled = false;
    }
  }

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'join-heading' },
    h('h2', { id: 'join-heading' }, 'Join with a token'),
    h('p', {}, 'The worker creates its own certificate and registers with a one-time token: no certificate to copy.'),
    form,
    result,
  );
}
