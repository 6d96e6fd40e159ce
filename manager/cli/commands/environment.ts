import type { Command } from 'commander';
import {
  createEnvironment,
  createEnvironmentVariable,
  deleteEnvironment,
  deleteEnvironmentVariable,
  getEnvironment,
  listEnvironments,
  renameEnvironment,
  setEnvironmentVariableValue,
} from '../../../contracts/management/environment-endpoints.js';
import { ParameterDataType, type EnvironmentVariableView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { formatAgo } from '../output/format.js';
import { confirm } from './confirm.js';
import { examples, ssisdb } from './help-text.js';
import { parseEnvironmentRef } from './resolve-reference.js';

const environmentFlags = { 'body.name': '<folder/env>', 'body.newName': '<new-name>', 'query.folder': '--folder', 'body.value': '--value' };

/** How a variable's value shows: a sensitive one never does. */
export const shownValue = (v: Pick<EnvironmentVariableView, 'sensitive' | 'value'>): string => (v.sensitive ? '********' : String(v.value));

export function registerEnvironmentCommands(program: Command, ctx: CommandContext): void {
  const environment = program
    .command('environment')
    .summary("manage a folder's environments and their variables")
    .description(
      'Environments: named sets of typed variables in a catalog folder (Prod, Test…). A project references an ' +
        'environment (scaleout project reference add), its parameters are configured to take a variable ' +
        '(scaleout project configure), and an execution run with --environment gets the variables\' values. ' +
        'Sensitive variables are encrypted at rest and never shown again.' +
        ssisdb('catalog.environments, catalog.environment_variables'),
    );

  environment
    .command('create')
    .summary('create an environment in a folder')
    .description('Create an environment in a catalog folder; the folder is created when missing.' + ssisdb('create_environment'))
    .argument('<folder/env>', 'the folder and the new environment, e.g. Finance/Prod')
    .option('--description <text>', 'what it is for')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout environment create Finance/Prod --description "production sources"']))
    .action(async (ref: string, options: { description?: string; json?: boolean }) => {
      const out = ctx.output(options);
      const { folderName, environmentName } = parseEnvironmentRef(ref);
      const created = await ctx
        .api()
        .call(
          createEnvironment,
          { params: { folderName }, body: { name: environmentName, ...(options.description !== undefined ? { description: options.description } : {}) } },
          { flags: environmentFlags },
        );
      if (out.json) return out.data(created);
      out.line(`Created environment ${created.folderName}/${created.name}. Add variables: scaleout environment variable set ${created.folderName}/${created.name} <name> --type String --value <value>`);
    });

  environment
    .command('rename')
    .summary('rename an environment; references to it follow')
    .description('Rename an environment. Projects that reference it keep referencing it under its new name.' + ssisdb('rename_environment'))
    .argument('<folder/env>', 'the environment, e.g. Finance/Test')
    .argument('<new-name>', 'its new name')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout environment rename Finance/Test Staging']))
    .action(async (ref: string, newName: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const renamed = await ctx.api().call(renameEnvironment, { params: parseEnvironmentRef(ref), body: { newName } }, { flags: environmentFlags });
      if (out.json) return out.data(renamed);
      out.line(`Renamed ${ref} to ${renamed.folderName}/${renamed.name}.`);
    });

  environment
    .command('delete')
    .summary('delete an environment and its variables')
    .description('Delete an environment and its variables. Refused while a project references it: remove the references first.' + ssisdb('delete_environment'))
    .argument('<folder/env>', 'the environment, e.g. Finance/Test')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['scaleout environment delete Finance/Test --yes']))
    .action(async (ref: string, options: { yes?: boolean }) => {
      const target = parseEnvironmentRef(ref);
      await confirm(ctx, `Delete environment ${ref} and all its variables?`, { yes: options.yes, action: 'environment delete' });
      await ctx.api().call(deleteEnvironment, { params: target });
      ctx.output({}).line(`Deleted environment ${ref}.`);
    });

  environment
    .command('list')
    .summary('list environments and how many variables each has')
    .description('List every environment, or one folder\'s.' + ssisdb('catalog.environments'))
    .option('--folder <folder>', 'only this folder')
    .option('--json', 'print the API answer as JSON (sensitive values are null)')
    .addHelpText('after', examples(['scaleout environment list', 'scaleout environment list --folder Finance']))
    .action(async (options: { folder?: string; json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listEnvironments, { query: options.folder === undefined ? {} : { folder: options.folder } }, { flags: environmentFlags });
      if (out.json) return out.data(answer);
      if (answer.environments.length === 0) {
        out.line(`No environments${options.folder ? ` in folder ${options.folder}` : ''}. Create one: scaleout environment create <folder>/<name>`);
        return;
      }
      const now = ctx.io.clock.now();
      out.table(answer.environments, [
        { header: 'FOLDER', value: (e) => e.folderName },
        { header: 'ENVIRONMENT', value: (e) => e.name },
        { header: 'VARIABLES', value: (e) => String(e.variables.length), right: true },
        { header: 'CREATED', value: (e) => `${formatAgo(e.createdTime, now)} by ${e.createdBy}` },
        { header: 'DESCRIPTION', value: (e) => e.description || '-' },
      ]);
    });

  environment
    .command('show')
    .summary('show an environment and its variables (sensitive values masked)')
    .description('Show an environment and its typed variables; sensitive values are never shown.' + ssisdb('catalog.environment_variables'))
    .argument('<folder/env>', 'the environment, e.g. Finance/Prod')
    .option('--json', 'print the API answer as JSON (sensitive values are null)')
    .addHelpText('after', examples(['scaleout environment show Finance/Prod']))
    .action(async (ref: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const shown = await ctx.api().call(getEnvironment, { params: parseEnvironmentRef(ref) });
      if (out.json) return out.data(shown);
      out.line(`Environment ${shown.folderName}/${shown.name}${shown.description ? `: ${shown.description}` : ''}`);
      if (shown.variables.length === 0) {
        out.line(`No variables. Add one: scaleout environment variable set ${ref} <name> --type String --value <value>`);
        return;
      }
      out.table(shown.variables, [
        { header: 'VARIABLE', value: (v) => v.name },
        { header: 'TYPE', value: (v) => v.dataType },
        { header: 'SENSITIVE', value: (v) => (v.sensitive ? 'yes' : 'no') },
        { header: 'VALUE', value: shownValue },
        { header: 'DESCRIPTION', value: (v) => v.description || '-' },
      ]);
    });

  const variable = environment
    .command('variable')
    .summary("set or delete an environment's variables")
    .description("An environment's typed variables; a sensitive one is encrypted at rest and never shown.");

  variable
    .command('set')
    .summary('create a variable, or set the value of an existing one')
    .description(
      'Create a typed variable (give --type), or set the value of one that exists (its type and sensitivity stay). ' +
        'A sensitive value is read from stdin with --value-stdin, never from the command line (it would stay in ' +
        'your shell history and the process list), and never printed.' +
        ssisdb('create_environment_variable, set_environment_variable_value'),
    )
    .argument('<folder/env>', 'the environment, e.g. Finance/Prod')
    .argument('<name>', 'the variable')
    .option('--type <type>', `for a new variable: ${ParameterDataType.options.join(', ')}`)
    .option('--sensitive', 'for a new variable: encrypt it at rest and never show it')
    .option('--value <value>', 'the value (not for a sensitive variable)')
    .option('--value-stdin', 'read the value from stdin (a trailing newline is dropped)')
    .option('--description <text>', 'for a new variable: what it holds')
    .option('--json', 'print the API answer as JSON (a sensitive value is null)')
    .addHelpText(
      'after',
      examples([
        'scaleout environment variable set Finance/Prod SourcePath --type String --value /data/prod/in.csv',
        'scaleout environment variable set Finance/Prod BatchSize --type Int32 --value 500',
        'scaleout environment variable set Finance/Prod ApiToken --type String --sensitive --value-stdin < token.txt',
        'scaleout environment variable set Finance/Prod BatchSize --value 1000      # a new value, same type',
      ]),
    )
    .action(
      async (
        ref: string,
        name: string,
        options: { type?: string; sensitive?: boolean; value?: string; valueStdin?: boolean; description?: string; json?: boolean },
      ) => {
        const out = ctx.output(options);
        const target = parseEnvironmentRef(ref);
        if ((options.value === undefined) === (options.valueStdin !== true)) throw usageError('give the value: --value <value> or --value-stdin');
        const api = ctx.api();
        const existing = (await api.call(getEnvironment, { params: target })).variables.find((v) => v.name === name);
        const sensitive = existing ? existing.sensitive : options.sensitive === true;
        if (sensitive && options.value !== undefined) {
          throw usageError(`${name} is sensitive: give its value on stdin with --value-stdin, not on the command line`);
        }
        const value = options.value ?? (await ctx.io.readStdin()).replace(/\r?\n$/, '');
        if (existing) {
          if (options.type !== undefined || options.sensitive !== undefined || options.description !== undefined) {
            throw usageError(`${name} exists: only its value can be set (delete it and set it again to change --type, --sensitive or --description)`);
          }
          const updated = await api.call(setEnvironmentVariableValue, { params: { ...target, variableName: name }, body: { value } }, { flags: environmentFlags });
          if (out.json) return out.data(updated);
          out.line(`Set ${ref}/${updated.name} (${updated.dataType}) to ${shownValue(updated)}.`);
          return;
        }
        if (options.type === undefined) throw usageError(`${ref} has no variable ${name}: give --type (${ParameterDataType.options.join(', ')}) to create it`);
        const dataType = ParameterDataType.safeParse(options.type);
        if (!dataType.success) throw usageError(`--type ${options.type}: expected one of ${ParameterDataType.options.join(', ')}`);
        const created = await api.call(
          createEnvironmentVariable,
          {
            params: target,
            body: { name, dataType: dataType.data, sensitive, value, ...(options.description !== undefined ? { description: options.description } : {}) },
          },
          { flags: { ...environmentFlags, 'body.dataType': '--type', 'body.name': '<name>' } },
        );
        if (out.json) return out.data(created);
        out.line(`Created ${ref}/${created.name} (${created.dataType}${created.sensitive ? ', sensitive' : ''}) = ${shownValue(created)}.`);
      },
    );

  variable
    .command('delete')
    .summary('delete a variable')
    .description('Delete a variable from an environment.' + ssisdb('delete_environment_variable'))
    .argument('<folder/env>', 'the environment, e.g. Finance/Prod')
    .argument('<name>', 'the variable')
    .addHelpText('after', examples(['scaleout environment variable delete Finance/Prod OldPath']))
    .action(async (ref: string, name: string) => {
      await ctx.api().call(deleteEnvironmentVariable, { params: { ...parseEnvironmentRef(ref), variableName: name } });
      ctx.output({}).line(`Deleted ${ref}/${name}.`);
    });
}
