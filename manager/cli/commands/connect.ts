import type { Command } from 'commander';
import { getMasterStatus } from '../../../contracts/management/endpoints.js';
import type { MasterStatusView } from '../../../contracts/management/views.js';
import { createMasterApi } from '../client.js';
import {
  configFilePath,
  environmentVariables,
  normalizeMasterUrl,
  readConfigFile,
  removeConfigFile,
  writeConfigFile,
  type Connection,
} from '../config-file.js';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { formatFields } from '../output/table.js';
import { isThumbprint, normalizeThumbprint } from '../../../contracts/thumbprint.js';
import { probeTls, type TlsProbe } from '../tls-trust.js';
import { examples } from './help-text.js';

interface ConnectOptions {
  apiKey?: string;
  apiKeyStdin?: boolean;
  thumbprint?: string;
  trustOnFirstUse?: boolean;
}

export function registerConnectCommands(program: Command, ctx: CommandContext): void {
  program
    .command('connect')
    .summary('connect to a master and remember it (address, API key, pinned certificate)')
    .description(
      'Connect to a Scale Out master: check that it answers and that the API key works, then store the address, the key ' +
        "and the master certificate's pinned thumbprint in your configuration file (readable by you only).\n\n" +
        'A one-box master uses a self-signed certificate that this system does not trust: connect then shows its ' +
        'thumbprint and asks you to pin it with --thumbprint (SSIS: MasterHttpsCertThumbprint), after comparing it ' +
        'with the one the master printed when it started, or to accept it with --trust-on-first-use.',
    )
    .argument('<url>', "the master's address, e.g. https://localhost:8391")
    .option('--api-key <key>', 'the API key (visible in your shell history: prefer --api-key-stdin)')
    .option('--api-key-stdin', 'read the API key from stdin')
    .option('--thumbprint <sha1>', "pin the master's certificate by its SHA-1 or SHA-256 thumbprint")
    .option('--trust-on-first-use', 'pin whatever certificate the master presents now')
    .addHelpText(
      'after',
      examples([
        'scaleout connect https://localhost:8391 --thumbprint 3f2a…9c --api-key-stdin < admin.key',
        'scaleout connect https://scaleout.contoso.com      # a certificate the system trusts: no pin',
        `${environmentVariables.master}=https://… ${environmentVariables.apiKey}=so_… scaleout worker list   # no file at all`,
      ]),
    )
    .action((url: string, options: ConnectOptions) => connect(ctx, url, options));

  program
    .command('disconnect')
    .summary('forget the stored connection (removes the configuration file)')
    .addHelpText('after', examples(['scaleout disconnect']))
    .action(() => {
      const out = ctx.output();
      const path = configFilePath(ctx.io);
      const stored = readConfigFile(path);
      if (!removeConfigFile(path) || !stored) {
        out.line(`Not connected (no ${path}).`);
        return;
      }
      out.line(`Forgot the connection to ${stored.master} (removed ${path}).`);
    });
}

async function connect(ctx: CommandContext, urlText: string, options: ConnectOptions): Promise<void> {
  const out = ctx.output();
  const masterUrl = normalizeMasterUrl(urlText);
  if (options.thumbprint !== undefined && options.trustOnFirstUse) throw usageError('give --thumbprint or --trust-on-first-use, not both');
  if (options.thumbprint !== undefined && !isThumbprint(options.thumbprint)) {
    throw usageError(`--thumbprint: '${options.thumbprint}' is not a SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint`);
  }
  const apiKey = await readApiKey(ctx, options);
  let thumbprint = options.thumbprint === undefined ? undefined : normalizeThumbprint(options.thumbprint);

  const url = new URL(masterUrl);
  if (url.protocol === 'https:' && thumbprint === undefined) {
    let probe: TlsProbe;
    try {
      probe = await probeTls(url, 15_000);
    } catch (error) {
      throw new CliError(`cannot reach the master at ${masterUrl}: ${(error as Error).message}`, ExitCode.notConnected);
    }
    if (!probe.trusted) {
      const certificate = probe.certificate;
      const lines = formatFields([
        ['subject', certificate.subject],
        ['issuer', certificate.issuer],
        ['SHA-1', certificate.thumbprintSha1],
        ['SHA-256', certificate.thumbprintSha256],
        ['expires', certificate.notAfter],
      ]);
      if (!options.trustOnFirstUse) {
        out.note(`The master's certificate is not trusted by this system (${describeTlsReason(probe.reason)}):`);
        out.note(indent(lines));
        out.note('Compare the SHA-1 thumbprint with the one the master printed when it started, then pin it:');
        out.note(`  scaleout connect ${masterUrl} --thumbprint ${certificate.thumbprintSha1}`);
        throw new CliError(
          "the master's certificate is not trusted; pin it with --thumbprint (or accept it with --trust-on-first-use)",
          ExitCode.notConnected,
        );
      }
      out.note(`Trusting the master's certificate on first use (${describeTlsReason(probe.reason)}):`);
      out.note(indent(lines));
      thumbprint = certificate.thumbprintSha1;
    }
  }

  const connection: Connection = { masterUrl, apiKey, thumbprint, source: 'the command line' };
  const api = createMasterApi(connection, ctx.io.signal ? { signal: ctx.io.signal } : {});
  let status: MasterStatusView;
  try {
    status = await api.call(getMasterStatus, {});
  } catch (error) {
    if (error instanceof CliError && error.exitCode === ExitCode.unauthorized) {
      throw new CliError(`the master refused the API key: ${error.message.replace(/ \([^()]*\)$/, '')}`, ExitCode.unauthorized);
    }
    throw error;
  } finally {
    api.close();
  }

  const path = configFilePath(ctx.io);
  writeConfigFile(path, { master: masterUrl, apiKey, masterThumbprint: thumbprint ?? null, savedTime: new Date(ctx.io.clock.now()).toISOString() });
  out.line(`Connected to ${masterUrl}: Scale Out master ${status.version}, ${status.catalogEngine} catalog, ${status.workers.total} worker(s).`);
  if (thumbprint) out.line(`Pinned the master's certificate: ${thumbprint}.`);
  out.line(`Saved to ${path} (readable by you only).`);
  if (!status.isScaleOutEnabled) out.line('Scale Out is not enabled yet: scaleout master enable');
}

async function readApiKey(ctx: CommandContext, options: ConnectOptions): Promise<string> {
  if (options.apiKey !== undefined && options.apiKeyStdin) throw usageError('give --api-key or --api-key-stdin, not both');
  let key: string | undefined;
  if (options.apiKey !== undefined) key = options.apiKey;
  else if (options.apiKeyStdin) key = (await ctx.io.readStdin()).trim();
  else if (ctx.io.env[environmentVariables.apiKey]) key = ctx.io.env[environmentVariables.apiKey];
  else if (ctx.io.interactive) key = (await ctx.io.prompt('API key: ', { secret: true })).trim();
  else throw usageError(`give the API key: --api-key-stdin (reads it from stdin), --api-key, or ${environmentVariables.apiKey}`);
  if (!key) throw usageError('the API key is empty');
  return key;
}

const tlsReasons: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in its chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is unknown',
  CERT_HAS_EXPIRED: 'expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'issued for another host name',
};

function describeTlsReason(reason: string | undefined): string {
  return reason === undefined ? 'unknown reason' : (tlsReasons[reason] ?? reason);
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
