import { resolve } from 'node:path';
import { addWorker } from '../../../contracts/management/endpoints.js';
import type { CertificateSummary } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { shortIso } from '../output/format.js';
import { normalizeThumbprint } from '../../../contracts/thumbprint.js';
import { confirm } from './confirm.js';
import { readCertificateFile, readWorkerConfigFile } from './worker-sources.js';

/** Contract fields → the options that set them, for error messages. */
export const workerFlags = {
  'body.displayName': '--name',
  'body.description': '--description',
  'body.tags': '--tag',
  'body.maxTaskCount': '--max-tasks',
  'body.machineName': '--machine',
  'body.thumbprint': '--thumbprint',
  'body.certificate': '--cert',
};

export interface AddWorkerOptions {
  cert?: string;
  thumbprint?: string;
  config?: string;
  name?: string;
  machine?: string;
  description?: string;
  tag?: string[];
  maxTasks?: number;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * Scale Out Manager's "add worker": read the certificate (or its thumbprint) from where the administrator has it,
 * let the master validate it, show the certificate, the plan and the steps on the worker, confirm, then add.
 */
export async function addWorkerCommand(ctx: CommandContext, options: AddWorkerOptions): Promise<void> {
  const out = ctx.output(options);
  const given = [options.cert, options.thumbprint, options.config].filter((o) => o !== undefined).length;
  if (given !== 1) throw usageError("give one of --cert <file>, --thumbprint <hex> or --config <the worker's WorkerSettings.json>");
  // Refuse before doing anything, rather than after showing a plan nobody can confirm.
  if (!options.yes && !options.dryRun && !ctx.io.interactive) {
    throw usageError('adding a worker needs a confirmation and stdin is not a terminal: pass --yes to confirm (or --dry-run to see the plan)');
  }

  const config = options.config === undefined ? undefined : readWorkerConfigFile(resolveFrom(ctx, options.config));
  const certificate = options.cert !== undefined ? readCertificateFile(resolveFrom(ctx, options.cert)) : config?.certificate;
  const thumbprint = options.thumbprint !== undefined ? options.thumbprint : certificate ? undefined : config?.thumbprint;
  const body = {
    ...(certificate ? { certificate: certificate.certificate } : { thumbprint: thumbprint! }),
    ...optional('displayName', options.name ?? config?.displayName),
    ...optional('machineName', options.machine),
    ...optional('description', options.description ?? config?.description),
    ...optional('tags', options.tag ?? config?.tags),
    ...optional('maxTaskCount', options.maxTasks ?? config?.maxTaskCount),
  };

  const api = ctx.api();
  const plan = await api.call(addWorker, { body: { ...body, validateOnly: true } }, { flags: workerFlags });

  // With --json the plan is for the human at the terminal: stderr keeps stdout to the answer.
  const say = (text: string): void => (out.json ? out.note(text) : out.line(text));
  if (config?.unreadableCertificate) say(`Note: ${config.unreadableCertificate}; adding by WorkerHttpsCertThumbprint instead.`);
  if (config?.masterEndpoint && normalizeAddress(config.masterEndpoint) !== api.url) {
    say(`Note: the worker's configuration names the master ${config.masterEndpoint}; you are connected to ${api.url}.`);
  }
  if (plan.certificate) {
    say(`Worker certificate${certificate ? ` (${certificate.path})` : ''}, validated by the master:`);
    say(certificateLines(plan.certificate));
  } else {
    say(
      `Worker certificate: by thumbprint ${normalizeThumbprint(thumbprint!)}; the master checks the certificate when the worker first connects.`,
    );
  }
  say('This will:');
  const commonName = plan.certificate ? /(?:^|, )CN=([^,]+)/.exec(plan.certificate.subject)?.[1] : undefined;
  const described = [
    body.displayName
      ? `display name '${body.displayName}'`
      : commonName
        ? `display name '${commonName}' (the certificate's common name)`
        : `display name '${body.machineName}' (the machine name)`,
    body.description ? `description '${body.description}'` : undefined,
    body.tags?.length ? `tags ${body.tags.join(', ')}` : undefined,
    body.maxTaskCount !== undefined ? `MaxTaskCount ${body.maxTaskCount}` : undefined,
  ].filter(Boolean);
  say(`  - register the worker with ${described.join(', ')}`);
  say('  - leave it disabled until you enable it, as in SSIS');
  say('Then:');
  say(plan.nextSteps.map((step, i) => `  ${i + 1}. ${step}`).join('\n'));

  if (options.dryRun) {
    if (out.json) out.data(plan);
    return;
  }
  await confirm(ctx, 'Add this worker?', { yes: options.yes, action: 'adding a worker' });
  const added = await api.call(addWorker, { body }, { flags: workerFlags });
  if (out.json) return out.data(added);
  const workerAgentId = added.worker?.workerAgentId ?? '(unknown)';
  out.line(`Added worker ${workerAgentId} (${added.worker?.displayName ?? ''}), disabled.`);
  out.line('Next:');
  out.line(added.nextSteps.map((step, i) => `  ${i + 1}. ${step}`).join('\n'));
}

function certificateLines(summary: CertificateSummary): string {
  const rows: [string, string][] = [
    ['Subject', summary.subject],
    ['Issuer', summary.issuer],
    ['SHA-1', summary.thumbprintSha1],
    ['SHA-256', summary.thumbprintSha256],
    ['Valid', `${shortIso(summary.notBefore)} to ${shortIso(summary.notAfter)}`],
    ['Key', summary.keyAlgorithm],
    ['Client auth', summary.clientAuth ? 'allowed' : 'not allowed'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function resolveFrom(ctx: CommandContext, path: string): string {
  return resolve(ctx.io.cwd, path);
}

function normalizeAddress(address: string): string {
  try {
    const url = new URL(address);
    return `${url.protocol}//${url.host}`.toLowerCase();
  } catch {
    return address;
  }
}
