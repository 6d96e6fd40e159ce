import type { HttpTransport } from '../../../../contracts/client.js';
import { getMasterStatus } from '../../../../contracts/management/endpoints.js';
import { describeError } from '../api/describe-error.js';
import { callerWithKey } from '../api/session.js';
import { h } from '../ui/dom.js';
import { field } from '../ui/forms.js';

/**
 * Sign in with an API key: checked against the master (reading its status needs the reader role) before the
 * app opens, so a wrong key or an unreachable master is said here, plainly.
 */
export function signInPage(options: {
  transport: HttpTransport;
  origin: string;
  message: string | undefined;
  onSignedIn(apiKey: string): void;
}): HTMLElement {
  const input = h('input', {
    type: 'password',
    name: 'apiKey',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    class: 'mono',
  });
  const error = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button button-primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    field('API key', input, ['Looks like ', h('code', {}, 'so_…'), '. An administrator creates one with ', h('code', {}, 'scaleout apikey create'), '.']),
    error,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn();
  });

  async function signIn(): Promise<void> {
    const apiKey = input.value.trim();
    if (apiKey === '') {
      showError('Enter an API key.');
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      await callerWithKey(options.transport, apiKey)(getMasterStatus, {});
      options.onSignedIn(apiKey);
    } catch (caught) {
      showError(describeError(caught).message);
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  }

  function showError(message: string): void {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }

  return h(
    'main',
    { class: 'sign-in' },
    h(
      'div',
      { class: 'card sign-in-card' },
      h('p', { class: 'brand' }, h('img', { src: '/favicon.svg', alt: '', width: 28, height: 28 }), 'Scale Out Manager'),
      h('h1', {}, 'Sign in'),
      h('p', { class: 'muted' }, 'Master ', h('span', { class: 'mono' }, options.origin)),
      options.message ? h('div', { class: 'callout callout-info', role: 'status' }, options.message) : null,
      form,
    ),
  );
}
