import { Option, type Command } from 'commander';
import { ApiKeyRole } from '../../../contracts/endpoint.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../../contracts/management/endpoints.js';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { formatAgo } from '../output/format.js';
import { confirm } from './confirm.js';
import { examples } from './help-text.js';

export function registerApiKeyCommands(program: Command, ctx: CommandContext): void {
  const apikey = program
    .command('apikey')
    .summary('create, list and revoke API keys')
    .description(
      'API keys: how the CLI, the dashboard and scripts reach the management API. Each has a role, as SSISDB has ' +
        'database roles: reader, executor (ssis_cluster_executor: deploy and run), admin (ssis_admin: topology).',
    );

  apikey
    .command('create')
    .summary('create an API key with a role; its secret is shown once')
    .requiredOption('--name <name>', 'what the key is for, e.g. "nightly ETL scheduler"')
    .addOption(new Option('--role <role>', 'reader (reads), executor (deploys and runs: ssis_cluster_executor) or admin (topology: ssis_admin)').choices(ApiKeyRole.options).makeOptionMandatory())
    .option('--json', 'print the API answer as JSON (it holds the secret)')
    .addHelpText(
      'after',
      examples([
        'scaleout apikey create --name "nightly scheduler" --role executor',
        'KEY=$(scaleout apikey create --name ci --role reader)   # the secret alone goes to stdout',
      ]),
    )
    .action(async (options: { name: string; role: ApiKeyRole; json?: boolean }) => {
      const out = ctx.output(options);
      const created = await ctx.api().call(createApiKey, { body: { name: options.name, role: options.role } }, { flags: { 'body.name': '--name' } });
      if (out.json) return out.data(created);
      // The secret alone on stdout, so it can be captured; the words around it on stderr.
      out.note(`Created API key ${created.apiKey.apiKeyId} (${created.apiKey.name}) with the ${created.apiKey.role} role.`);
      out.note('Its secret is shown this once and the master keeps only its hash: store it now.');
      out.line(created.secret);
    });

  apikey
    .command('list')
    .summary('list API keys (never their secrets), revoked ones included')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout apikey list']))
    .action(async (options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listApiKeys, {});
      if (out.json) return out.data(answer);
      const now = ctx.io.clock.now();
      const current = keyIdOf(ctx.api().connection.apiKey);
      out.table(answer.apiKeys, [
        { header: 'ID', value: (k) => (k.apiKeyId === current ? `${k.apiKeyId} *` : k.apiKeyId) },
        { header: 'NAME', value: (k) => k.name },
        { header: 'ROLE', value: (k) => k.role },
        { header: 'CREATED', value: (k) => `${formatAgo(k.createdTime, now)} by ${k.createdBy}` },
        { header: 'LAST USED', value: (k) => formatAgo(k.lastUsedTime, now) },
        { header: 'REVOKED', value: (k) => (k.revokedTime === null ? '-' : out.style.red(formatAgo(k.revokedTime, now))) },
      ]);
      if (answer.apiKeys.some((k) => k.apiKeyId === current)) out.line('* the key this CLI uses');
    });

  apikey
    .command('revoke')
    .summary('revoke an API key: it stops working at once')
    .argument('<id>', 'the API key ID (as apikey list shows it)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout apikey revoke k3x9q2m1v8za']))
    .action(async (id: string, options: { yes?: boolean; json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const { apiKeys } = await api.call(listApiKeys, {});
      const key = apiKeys.find((k) => k.apiKeyId === id);
      if (!key) throw new CliError(`API key '${id}' was not found (scaleout apikey list shows them)`, ExitCode.notFound);
      const own = keyIdOf(api.connection.apiKey) === id ? ' This is the key this CLI uses: it will stop working too.' : '';
      await confirm(ctx, `Revoke API key ${id} (${key.name}, ${key.role})?${own}`, { yes: options.yes, action: 'revoking an API key' });
      const revoked = await api.call(revokeApiKey, { params: { apiKeyId: id } });
      if (out.json) return out.data(revoked);
      out.line(`Revoked API key ${id} (${revoked.name}).`);
    });
}

/** The ID part of an API key `so_<id>_<secret>`. */
function keyIdOf(apiKey: string): string | undefined {
  return /^so_([a-z0-9]+)_/.exec(apiKey)?.[1];
}
