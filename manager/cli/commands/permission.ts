import type { Command } from 'commander';
import { PermissionName } from '../../../contracts/management/object-permissions.js';
import {
  denyPermission,
  getMyPermissions,
  grantPermission,
  listPermissions,
  revokePermission,
  type PermissionRequest,
} from '../../../contracts/management/permission-endpoints.js';
import type { z } from 'zod';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { formatAgo } from '../output/format.js';
import { examples, ssisdb } from './help-text.js';
import { parseProjectRef } from './refs.js';
import { parseEnvironmentRef } from './resolve-reference.js';

interface ObjectOptions {
  folder?: string;
  project?: string;
  environment?: string;
}

type ObjectFields = Pick<z.input<typeof PermissionRequest>, 'objectType' | 'folderName' | 'objectName'>;

const permissionFlags = {
  'body.folderName': '--folder',
  'body.objectName': '--project or --environment',
  'body.principal': '<principal>',
  'body.permission': '<permission>',
  'query.folder': '--folder',
  // The catalog's own refusals name the field without its place in the request.
  permission: '<permission>',
  principal: '<principal>',
};

/** The object named by exactly one of --folder, --project, --environment. */
function objectOf(options: ObjectOptions): ObjectFields {
  const given = (['folder', 'project', 'environment'] as const).filter((name) => options[name] !== undefined);
  if (given.length !== 1) throw usageError('name the object with exactly one of --folder <folder>, --project <folder/project>, --environment <folder/env>');
  if (options.project !== undefined) {
    const { folderName, projectName } = parseProjectRef(options.project);
    return { objectType: 'project', folderName, objectName: projectName };
  }
  if (options.environment !== undefined) {
    const { folderName, environmentName } = parseEnvironmentRef(options.environment);
    return { objectType: 'environment', folderName, objectName: environmentName };
  }
  return { objectType: 'folder', folderName: options.folder! };
}

const objectPath = (p: { objectType: string; folderName: string; objectName: string | null }) =>
  `${p.objectType} ${p.objectName === null ? p.folderName : `${p.folderName}/${p.objectName}`}`;

const principalHelp = 'apikey:<id> (see scaleout apikey list) or entra:<object id> of an Entra user or group';

export function registerPermissionCommands(program: Command, ctx: CommandContext): void {
  const permission = program
    .command('permission')
    .summary('grant, deny, revoke and list permissions on folders, projects and environments')
    .description(
      'Object permissions, as in SSISDB: an executor or reader may use the catalog, its permissions decide on what. ' +
        `Permissions: ${PermissionName.options.join(', ')} (EXECUTE on projects; CREATE_OBJECTS and the *_OBJECTS ones on ` +
        'folders, reaching every project and environment in the folder). A deny beats any grant. Granting needs ' +
        'MANAGE_PERMISSIONS on the object (an admin has every permission).' +
        ssisdb('catalog.explicit_object_permissions, catalog.effective_object_permissions'),
    );

  const change = (verb: 'grant' | 'deny' | 'revoke', summary: string, procedure: string, example: string) =>
    permission
      .command(verb)
      .summary(summary)
      .description(`${summary[0]!.toUpperCase()}${summary.slice(1)}.` + ssisdb(procedure))
      .argument('<permission>', `one of ${PermissionName.options.join(', ')}`)
      .argument('<principal>', principalHelp)
      .option('--folder <folder>', 'on a folder')
      .option('--project <folder/project>', 'on a project')
      .option('--environment <folder/env>', 'on an environment')
      .option('--json', 'print the API answer as JSON')
      .addHelpText('after', examples([example]))
      .action(async (name: string, principal: string, options: ObjectOptions & { json?: boolean }) => {
        const out = ctx.output(options);
        const body = { ...objectOf(options), principal, permission: name.toUpperCase() as PermissionName };
        const target = objectPath({ ...body, objectName: body.objectName ?? null });
        if (verb === 'revoke') {
          await ctx.api().call(revokePermission, { body }, { flags: permissionFlags });
          if (out.json) return out.data({ revoked: body });
          out.line(`Revoked ${body.permission} of ${principal} on ${target}.`);
          return;
        }
        const given = await ctx.api().call(verb === 'grant' ? grantPermission : denyPermission, { body }, { flags: permissionFlags });
        if (out.json) return out.data(given);
        out.line(`${verb === 'grant' ? 'Granted' : 'Denied'} ${given.permission} (${given.permissionType}) to ${given.principal} on ${objectPath(given)}.`);
      });

  change('grant', 'grant a permission to an API key or an Entra user or group', 'grant_permission', 'scaleout permission grant EXECUTE_OBJECTS apikey:ab12cd34ef56 --folder Finance');
  change('deny', 'deny a permission: it beats any grant, to a group or through the folder', 'deny_permission', 'scaleout permission deny EXECUTE entra:0b6f1a2c-3d4e-4f50-8a9b-0c1d2e3f4a5b --project Finance/ETL');
  change('revoke', 'remove a grant or a deny', 'revoke_permission', 'scaleout permission revoke READ apikey:ab12cd34ef56 --folder Finance');

  permission
    .command('list')
    .summary('list the grants and denies on what you may read (or your own effective permissions)')
    .description(
      'List the grants and denies on folders, projects and environments the caller may read, of one folder with ' +
        '--folder; with --mine, what the caller itself may do on each object (its own and its groups\' permissions, ' +
        'denies taken off).' +
        ssisdb('catalog.explicit_object_permissions, catalog.effective_object_permissions'),
    )
    .option('--folder <folder>', 'only this folder and its projects and environments')
    .option('--mine', "the caller's effective permissions instead")
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout permission list --folder Finance', 'scaleout permission list --mine']))
    .action(async (options: { folder?: string; mine?: boolean; json?: boolean }) => {
      const out = ctx.output(options);
      if (options.mine) {
        const mine = await ctx.api().call(getMyPermissions, {});
        if (out.json) return out.data(mine);
        if (mine.allPermissions) return out.line('You are an admin (ssis_admin): every permission on every object.');
        if (mine.permissions.length === 0) return out.line(`No permission on any object for ${mine.principals.join(', ') || 'this caller'}.`);
        out.table(mine.permissions, [
          { header: 'OBJECT', value: (p) => objectPath(p) },
          { header: 'PERMISSIONS', value: (p) => p.permissions.join(', ') },
        ]);
        return;
      }
      const answer = await ctx.api().call(listPermissions, { query: options.folder === undefined ? {} : { folder: options.folder } }, { flags: permissionFlags });
      if (out.json) return out.data(answer);
      if (answer.permissions.length === 0) {
        out.line(`No permissions${options.folder ? ` in folder ${options.folder}` : ''}. Grant one: scaleout permission grant <permission> <principal> --folder <folder>`);
        return;
      }
      const now = ctx.io.clock.now();
      out.table(answer.permissions, [
        { header: 'OBJECT', value: (p) => objectPath(p) },
        { header: 'PRINCIPAL', value: (p) => p.principal },
        { header: 'PERMISSION', value: (p) => `${p.permission} (${p.permissionType})` },
        { header: 'GIVEN', value: (p) => (p.isDeny ? 'DENY' : 'grant') },
        { header: 'BY', value: (p) => `${p.grantor}, ${formatAgo(p.grantedTime, now)}` },
      ]);
    });
}
