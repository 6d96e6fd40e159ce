import { PermissionName, SecurableType } from '../../../../contracts/management/object-permissions.js';
import {
  denyPermission,
  grantPermission,
  listPermissions,
  revokePermission,
  type ExplicitPermissionView,
} from '../../../../contracts/management/permission-endpoints.js';
import { describeError, isAbort } from '../api/describe-error.js';
import type { PageFactory } from '../page.js';
import { timeAgo } from '../ui/badges.js';
import { changeRunner } from '../ui/change-runner.js';
import { h, replaceContent } from '../ui/dom.js';

const objectLabel = (p: Pick<ExplicitPermissionView, 'objectType' | 'folderName' | 'objectName'>) =>
  `${p.objectType} ${p.objectName === null ? p.folderName : `${p.folderName} / ${p.objectName}`}`;

/**
 * A folder's permissions (`#/permissions?folder=Finance`; SSISDB catalog.explicit_object_permissions): the grants
 * and denies on the folder and on its projects and environments, those the caller may read. A role that may change
 * the catalog grants, denies and revokes (the master still asks MANAGE_PERMISSIONS on the object and says so when it
 * is missing); a reader sees no control.
 */
export const permissionsPage: PageFactory = (context) => {
  const folder = context.route.query.get('folder') ?? undefined;
  context.setTitle(folder ? `Permissions in ${folder}` : 'Permissions');
  const listRegion = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const actionError = h('div', { class: 'callout callout-danger', role: 'alert', hidden: true });
  const mayChange = context.may(grantPermission);

  async function load(): Promise<void> {
    render((await context.call(listPermissions, { query: folder ? { folder } : {} })).permissions);
  }

  const change = changeRunner(context, actionError, load);

  function render(permissions: ExplicitPermissionView[]): void {
    if (permissions.length === 0) {
      replaceContent(listRegion, h('p', { class: 'empty' }, `No permission${folder ? ` in folder ${folder}` : ''} is granted or denied yet.`));
      return;
    }
    const headers = ['Object', 'Principal', 'Permission', 'Given', 'By', ...(mayChange ? ['Change'] : [])];
    const row = (p: ExplicitPermissionView) => {
      const what = `${p.permission} of ${p.principal} on ${objectLabel(p)}`;
      return h(
        'tr',
        { 'data-permission': `${p.objectType}:${p.folderName}/${p.objectName ?? ''}:${p.principal}:${p.permission}` },
        h('td', {}, objectLabel(p)),
        h('td', {}, h('code', {}, p.principal)),
        h('td', {}, `${p.permission} (${p.permissionType})`),
        h('td', {}, p.isDeny ? h('span', { class: 'badge badge-danger' }, 'Deny') : 'Grant'),
        h('td', { class: 'small' }, p.grantor, ', ', timeAgo(p.grantedTime)),
        mayChange
          ? h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'button button-danger-quiet',
                  'aria-label': `Revoke ${what}`,
                  onclick: () =>
                    void change(
                      () =>
                        context.call(revokePermission, {
                          body: { objectType: p.objectType, folderName: p.folderName, ...(p.objectName === null ? {} : { objectName: p.objectName }), principal: p.principal, permission: p.permission },
                        }),
                      `${what} was revoked.`,
                    ),
                },
                'Revoke',
              ),
            )
          : null,
      );
    };
    replaceContent(
      listRegion,
      h(
        'table',
        { 'aria-label': folder ? `Permissions in ${folder}` : 'Permissions' },
        h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
        h('tbody', {}, permissions.map(row)),
      ),
    );
  }

  const giveForm = (() => {
    if (!mayChange) return null;
    const select = (label: string, name: string, options: readonly string[]) =>
      h('select', { name, 'aria-label': label }, options.map((option) => h('option', { value: option }, option)));
    const objectType = select('Object type', 'objectType', SecurableType.options);
    const folderName = h('input', { type: 'text', name: 'folderName', required: true, autocomplete: 'off', 'aria-label': 'Folder', placeholder: 'Folder', value: folder ?? '' });
    const objectName = h('input', { type: 'text', name: 'objectName', autocomplete: 'off', 'aria-label': 'Project or environment', placeholder: 'Project or environment (not for a folder)' });
    const principal = h('input', { type: 'text', name: 'principal', required: true, autocomplete: 'off', 'aria-label': 'Principal', placeholder: 'apikey:<id> or entra:<object id>' });
    const permission = select('Permission', 'permission', PermissionName.options);
    const form = h('form', { class: 'inline-form', 'aria-label': 'Grant or deny a permission' }, objectType, folderName, objectName, principal, permission);
    const give = (deny: boolean) => {
      const body = {
        objectType: objectType.value as SecurableType,
        folderName: folderName.value.trim(),
        ...(objectType.value === 'folder' || objectName.value.trim() === '' ? {} : { objectName: objectName.value.trim() }),
        principal: principal.value.trim(),
        permission: permission.value as PermissionName,
      };
      const what = `${body.permission} ${deny ? 'denied to' : 'granted to'} ${body.principal}`;
      return change(() => context.call(deny ? denyPermission : grantPermission, { body }), `${what}.`);
    };
    form.append(
      h('button', { type: 'submit', class: 'button' }, 'Grant'),
      h('button', { type: 'button', class: 'button button-danger-quiet', onclick: () => void give(true) }, 'Deny'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void give(false);
    });
    return h('section', { class: 'card', 'aria-label': 'Grant or deny' }, h('h2', {}, 'Grant or deny'), form);
  })();

  load().catch((error: unknown) => {
    if (!isAbort(error)) replaceContent(listRegion, h('p', { class: 'empty' }, describeError(error).message));
  });

  return {
    element: h(
      'div',
      {},
      h('div', { class: 'page-header' }, h('h1', {}, folder ? `Permissions in ${folder}` : 'Permissions')),
      actionError,
      giveForm,
      listRegion,
    ),
  };
};
