import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ApiKeyRole } from '../../contracts/endpoint.js';
import { ConfigError, parseMasterConfig } from '../config/master-config.js';
import { createApiKeyInCatalog, describeCatalog, writeSecretFile } from './create-api-key.js';

/** What the program touches, so a test can run it in-process. */
export interface AdminIo {
  env: Record<string, string | undefined>;
  cwd: string;
  out(text: string): void;
  err(text: string): void;
}

/** 0 success, 1 the work failed, 2 usage or configuration. */
export const adminExitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * `scaleout-master`: administration of the master that must happen before anyone can call its API. It works on
 * the catalog directly with the master's own settings: `SCALEOUT_CATALOG_CONNECTION` for Azure SQL (logged in as
 * whoever runs it, e.g. `Authentication=Active Directory Default` after `az login`), else the one-box's SQLite file.
 */
export function buildAdminProgram(io: AdminIo, setExitCode: (code: number) => void): Command {
  const program = new Command('scaleout-master')
    .description(
      "Administration of the Scale Out master that goes straight to the catalog, for what the management API cannot do yet: the first admin API key.",
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .exitOverride();

  const apikey = program.command('apikey').description('API keys, created in the catalog directly');
  apikey
    .command('create')
    .description(
      'Create an API key in the catalog (migrating it first, so it works before the master ever started). The key is ' +
        'printed once, alone, on stdout (or written to --out); the catalog keeps only its hash.',
    )
    .requiredOption('--name <name>', 'what the key is for, e.g. "first admin"')
    .addOption(new Option('--role <role>', 'admin (ssis_admin), executor (ssis_cluster_executor) or reader').choices(ApiKeyRole.options).default('admin'))
    .option('--out <file>', 'write the key to this new file, readable by you only, instead of stdout')
    .addHelpText(
      'after',
      `
Settings (the master's, from the environment):
  SCALEOUT_CATALOG_CONNECTION    Azure SQL / SQL Server, e.g.
                                 Server=tcp:<server>.database.windows.net,1433;Database=scaleout;Authentication=Active Directory Default
  SCALEOUT_CATALOG_SQLITE_PATH   otherwise, the SQLite catalog (default .data/catalog.sqlite)

Examples:
  scaleout-master apikey create --name "first admin" --out admin.key
  SCALEOUT_CATALOG_CONNECTION='Server=tcp:sql-scaleout-x.database.windows.net,1433;Database=scaleout;Authentication=Active Directory Default' \\
    scaleout-master apikey create --name "first admin" --out admin.key`,
    )
    .action(async (options: { name: string; role: ApiKeyRole; out?: string }) => {
      setExitCode(await createKey(io, options));
    });
  return program;
}

async function createKey(io: AdminIo, options: { name: string; role: ApiKeyRole; out?: string }): Promise<number> {
  let catalog;
  try {
    const configured = parseMasterConfig(io.env, 'local').catalog;
    catalog = configured.engine === 'sqlite' ? { ...configured, path: resolve(io.cwd, configured.path) } : configured;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message);
    return adminExitCodes.usage;
  }
  const name = options.name.trim();
  if (name === '' || name.length > 128) {
    io.err('--name: give 1 to 128 characters');
    return adminExitCodes.usage;
  }
  const where = describeCatalog(catalog);
  const out = options.out === undefined ? undefined : resolve(io.cwd, options.out);
  let created;
  try {
    created = await createApiKeyInCatalog(catalog, { name, role: options.role }, `scaleout-master:${userInfo().username}`);
  } catch (error) {
    io.err(`could not create the API key in ${where}: ${error instanceof Error ? error.message : String(error)}`);
    return adminExitCodes.failed;
  }
  const { apiKey, secret } = created;
  const summary = `Created API key ${apiKey.apiKeyId} (${apiKey.name}) with the ${apiKey.role} role in ${where}.`;
  if (out === undefined) {
    io.err(summary);
    io.err('It is shown this once and the catalog keeps only its hash: store it now.');
    io.out(secret);
    return adminExitCodes.ok;
  }
  try {
    await writeSecretFile(out, `${secret}\n`);
  } catch (error) {
    // The key exists but nobody holds it: say so, and print it rather than lose it.
    io.err(`${summary} Could not write ${out} (${error instanceof Error ? error.message : String(error)}); here it is, once:`);
    io.out(secret);
    return adminExitCodes.failed;
  }
  io.err(`${summary}\nWrote it to ${out} (readable by you only).`);
  return adminExitCodes.ok;
}
