import type { Command } from 'commander';
import {
  createEnvironmentReference,
  deleteEnvironmentReference,
  listEnvironmentReferences,
  listObjectParameters,
  setObjectParameterValue,
} from '../../../contracts/management/environment-endpoints.js';
import type { ObjectParameterView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { examples, ssisdb } from './help-text.js';
import { parsePackageRef, parseProjectRef } from './refs.js';
import { environmentPath, parseEnvironmentRef } from './resolve-reference.js';

const configureFlags = { 'body.value': '--value', 'body.referencedVariableName': '--variable', value: '--value', referencedVariableName: '--variable' };

/** What a configured parameter takes, as `project configuration` shows it. */
function configured(p: ObjectParameterView): string {
  if (!p.valueSet) return p.designDefaultValue === null ? '-' : `${String(p.designDefaultValue)} (default)`;
  if (p.valueType === 'R') return `variable ${p.referencedVariableName}`;
  return p.sensitive ? '********' : String(p.value);
}

/** `project configure|configuration|reference`: what a deployed project's executions take, and from where. */
export function registerProjectConfigurationCommands(project: Command, ctx: CommandContext): void {
  project
    .command('configure')
    .summary("set a package parameter on the deployed project: a value, or an environment variable's")
    .description(
      'Configure a package parameter on the deployed project: a literal (--value, or --value-stdin for a sensitive ' +
        'one) or the name of an environment variable (--variable), which an execution run with --environment takes ' +
        'from the referenced environment. New versions of the project keep it; values given with --param still win.' +
        ssisdb('set_object_parameter_value (value_type V or R)'),
    )
    .argument('<folder/project/package>', 'the package, e.g. Finance/ETL/extract')
    .argument('<parameter>', 'the parameter')
    .option('--variable <name>', 'take the value of this environment variable (value type R)')
    .option('--value <value>', 'a literal (value type V)')
    .option('--value-stdin', 'a literal read from stdin, for a sensitive parameter (a trailing newline is dropped)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      examples([
        'scaleout project configure Finance/ETL/extract SourcePath --variable InPath',
        'scaleout project configure Finance/ETL/extract BatchSize --value 500',
        'scaleout project configure Finance/ETL/extract ApiToken --value-stdin < token.txt',
      ]),
    )
    .action(async (ref: string, parameterName: string, options: { variable?: string; value?: string; valueStdin?: boolean; json?: boolean }) => {
      const out = ctx.output(options);
      const given = [options.variable, options.value, options.valueStdin].filter((o) => o !== undefined).length;
      if (given !== 1) throw usageError('give one of --variable <name>, --value <value> or --value-stdin');
      const body =
        options.variable !== undefined
          ? { valueType: 'R' as const, referencedVariableName: options.variable }
          : { valueType: 'V' as const, value: options.value ?? (await ctx.io.readStdin()).replace(/\r?\n$/, '') };
      const set = await ctx.api().call(setObjectParameterValue, { params: { ...parsePackageRef(ref), parameterName }, body }, { flags: configureFlags });
      if (out.json) return out.data(set);
      if (set.sensitive && options.value !== undefined) {
        out.note(`warning: ${set.parameterName} is sensitive; --value left it in your shell history. Prefer --value-stdin.`);
      }
      out.line(`${ref} ${set.parameterName} takes ${configured(set)}.`);
    });

  project
    .command('configuration')
    .summary("show a project's package parameters and what each takes")
    .description("Show every package parameter of the project's latest version and what it is set to (sensitive values masked)." + ssisdb('catalog.object_parameters'))
    .argument('<folder/project>', 'the project, e.g. Finance/ETL')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout project configuration Finance/ETL']))
    .action(async (ref: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listObjectParameters, { params: parseProjectRef(ref) });
      if (out.json) return out.data(answer);
      if (answer.parameters.length === 0) {
        out.line(`${ref} declares no parameters.`);
        return;
      }
      out.table(answer.parameters, [
        { header: 'PACKAGE', value: (p) => p.packageName },
        { header: 'PARAMETER', value: (p) => p.parameterName },
        { header: 'TYPE', value: (p) => p.dataType },
        { header: 'REQUIRED', value: (p) => (p.required ? 'yes' : 'no') },
        { header: 'SENSITIVE', value: (p) => (p.sensitive ? 'yes' : 'no') },
        { header: 'TAKES', value: configured },
      ]);
    });

  const reference = project
    .command('reference')
    .summary("add, remove and list a project's environment references")
    .description(
      "A project's references to environments whose variables its configured parameters take: relative (an " +
        "environment of the project's own folder: give its name alone) or absolute (another folder's: FOLDER/ENV)." +
        ssisdb('catalog.environment_references'),
    );

  reference
    .command('add')
    .summary('reference an environment from a project')
    .description('Reference an environment: ENV alone is relative (the project\'s folder), FOLDER/ENV absolute.' + ssisdb('create_environment_reference'))
    .argument('<folder/project>', 'the project, e.g. Finance/ETL')
    .argument('<env>', 'the environment: Prod (relative) or Shared/Common (absolute)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout project reference add Finance/ETL Prod', 'scaleout project reference add Finance/ETL Shared/Common']))
    .action(async (ref: string, env: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const target = parseProjectRef(ref);
      const relative = !env.includes('/');
      const { folderName, environmentName } = parseEnvironmentRef(env, target.folderName);
      const added = await ctx.api().call(createEnvironmentReference, {
        params: target,
        body: relative ? { environmentName } : { environmentName, environmentFolderName: folderName },
      });
      if (out.json) return out.data(added);
      out.line(
        `${ref} references ${environmentPath(added)} (${added.referenceType === 'R' ? 'relative' : 'absolute'}, reference ${added.referenceId}). ` +
          `Run with it: scaleout execution run ${ref}/<package> --environment ${environmentPath(added)}`,
      );
    });

  reference
    .command('remove')
    .summary('remove an environment reference')
    .description('Remove a project\'s reference to an environment (the environment stays).' + ssisdb('delete_environment_reference'))
    .argument('<folder/project>', 'the project, e.g. Finance/ETL')
    .argument('<env>', 'the referenced environment (Prod or FOLDER/ENV), or the reference id')
    .addHelpText('after', examples(['scaleout project reference remove Finance/ETL Prod', 'scaleout project reference remove Finance/ETL 3']))
    .action(async (ref: string, env: string) => {
      const target = parseProjectRef(ref);
      const api = ctx.api();
      const { references } = await api.call(listEnvironmentReferences, { params: target });
      const wanted = /^\d+$/.test(env) ? undefined : parseEnvironmentRef(env, target.folderName);
      const found = references.find((r) =>
        wanted === undefined ? r.referenceId === Number(env) : environmentPath(r) === `${wanted.folderName}/${wanted.environmentName}`,
      );
      if (!found) {
        const known = references.length === 0 ? 'none' : references.map((r) => `${environmentPath(r)} (${r.referenceId})`).join(', ');
        throw usageError(`${ref} has no reference to ${env}; its references: ${known}`);
      }
      await api.call(deleteEnvironmentReference, { params: { ...target, referenceId: found.referenceId } });
      ctx.output({}).line(`${ref} no longer references ${environmentPath(found)}.`);
    });

  reference
    .command('list')
    .summary("list a project's environment references")
    .argument('<folder/project>', 'the project, e.g. Finance/ETL')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout project reference list Finance/ETL']))
    .action(async (ref: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listEnvironmentReferences, { params: parseProjectRef(ref) });
      if (out.json) return out.data(answer);
      if (answer.references.length === 0) {
        out.line(`${ref} references no environment. Add one: scaleout project reference add ${ref} <env>`);
        return;
      }
      out.table(answer.references, [
        { header: 'ID', value: (r) => String(r.referenceId), right: true },
        { header: 'ENVIRONMENT', value: environmentPath },
        { header: 'TYPE', value: (r) => (r.referenceType === 'R' ? 'relative' : 'absolute') },
        { header: 'CREATED BY', value: (r) => r.createdBy },
      ]);
    });
}
