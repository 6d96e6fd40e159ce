import { createEnvironment, listEnvironments } from '../../../../contracts/management/environment-endpoints.js';
import type { EnvironmentView } from '../../../../contracts/management/views.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { href } from '../router.js';
import { changeRunner } from '../ui/change-runner.js';
import { h, replaceContent } from '../ui/dom.js';
import { inlineForm } from '../ui/inline-form.js';
import { environmentCard } from './environment-card.js';

/**
 * Environments (SSISDB catalog.environments), every folder's or one's (`#/environments?folder=Finance`), each with
 * its variables; sensitive values show as ********, the master never sends them. An executor or admin creates,
 * renames and deletes environments and sets variables; a reader only reads. Not polled: a refresh would wipe a
 * half-typed value.
 */
export const environmentsPage: PageFactory = (context) => {
  const folder = context.route.query.get('folder') ?? undefined;
  context.setTitle(folder ? `Environments in ${folder}` : 'Environments');
  const listRegion = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const actionError = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const mayChange = context.may(createEnvironment);

  async function load(): Promise<void> {
    render((await context.call(listEnvironments, { query: folder ? { folder } : {} })).environments);
  }

  const change = changeRunner(context, actionError, load);

  function render(environments: EnvironmentView[]): void {
    if (environments.length === 0) {
      replaceContent(listRegion, h('p', { class: 'empty' }, `No environment${folder ? ` in folder ${folder}` : ''} yet.`));
      return;
    }
    replaceContent(listRegion, environments.map((environment) => environmentCard(environment, { call: context.call, change, mayChange })));
  }

  const newForm = (() => {
    if (!mayChange) return null;
    const folderName = h('input', { type: 'text', name: 'folderName', required: true, autocomplete: 'off', 'aria-label': 'Folder', placeholder: 'Folder', value: folder ?? '' });
    const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off', 'aria-label': 'Environment name', placeholder: 'Name (e.g. Prod)' });
    const description = h('input', { type: 'text', name: 'description', autocomplete: 'off', 'aria-label': 'Environment description', placeholder: 'Description (optional)' });
    return h(
      'section',
      { class: 'card', 'aria-label': 'New environment' },
      h('h2', {}, 'New environment'),
      inlineForm('New environment', [folderName, name, description], 'Create environment', () =>
        change(
          () =>
            context.call(createEnvironment, {
              params: { folderName: folderName.value.trim() },
              body: { name: name.value.trim(), ...(description.value.trim() !== '' ? { description: description.value.trim() } : {}) },
            }),
          `${folderName.value.trim()} / ${name.value.trim()} was created.`,
        ),
      ),
    );
  })();

  load().catch((error: unknown) => {
    if (!isAbort(error)) replaceContent(listRegion, h('p', { class: 'empty' }, describeError(error).message));
  });

  return {
    element: h(
      'div',
      {},
      folder ? h('p', {}, h('a', { href: href(['environments']) }, '← Every folder')) : null,
      h('div', { class: 'page-header' }, h('h1', {}, folder ? `Environments in ${folder}` : 'Environments')),
      actionError,
      newForm,
      listRegion,
    ),
  };
};
