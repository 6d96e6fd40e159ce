import type { Command } from 'commander';
import { createEnrollmentToken, listEnrollmentTokens, revokeEnrollmentToken } from '../../../contracts/management/endpoints.js';
import type { EnrollmentTokenView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { formatAgo, formatList, formatTime } from '../output/format.js';
import type { Style } from '../output/style.js';
import { confirm } from './confirm.js';
import { examples } from './help-text.js';
import { duration, positiveWholeNumber } from './options.js';

interface CreateOptions {
  expires: number;
  uses: number;
  tags?: string;
  maxTaskCount?: number;
  enable?: boolean;
  json?: boolean;
}

/** Contract fields → the options that set them, for error messages. */
const tokenFlags = {
  'body.expiresInSeconds': '--expires',
  'body.maxUses': '--uses',
  'body.tags': '--tags',
  'body.maxTaskCount': '--max-task-count',
};

/** `scaleout worker token …`: enrollment tokens, what `scaleout-worker join` presents to add a worker in one step. */
export function registerWorkerTokenCommands(worker: Command, ctx: CommandContext): void {
  const token = worker
    .command('token')
    .summary('create, list and revoke enrollment tokens: a worker joins with one command')
    .description(
      'Enrollment tokens let a worker machine add itself: `scaleout-worker join <master> --token <token>` creates its ' +
        "certificate, pins this master's, and registers it, with no certificate copied by hand. The certificate path " +
        '(scaleout-worker init, then scaleout worker add) stays, as in SSIS.',
    );

  token
    .command('create')
    .summary('create a token and print the join command to run on the worker machine')
    .option('--expires <duration>', 'how long it may be used, e.g. 30m, 1h, 2d (at most 7d)', duration, 3_600_000)
    .option('--uses <n>', 'how many workers may join with it', positiveWholeNumber, 1)
    .option('--tags <list>', 'comma-separated tags the joined workers get')
    .option('--max-task-count <n>', 'MaxTaskCount of the joined workers (default 10)', positiveWholeNumber)
    .option('--enable', 'joined workers start enabled (otherwise disabled until you enable them, as in SSIS)')
    .option('--json', 'print the API answer as JSON (it holds the token)')
    .addHelpText(
      'after',
      examples([
        'scaleout worker token create',
        'scaleout worker token create --uses 5 --expires 2h --tags linux,etl --max-task-count 4 --enable',
      ]),
    )
    .action(async (options: CreateOptions) => {
      const out = ctx.output(options);
      const tags = (options.tags ?? '')
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean);
      const created = await ctx.api().call(
        createEnrollmentToken,
        {
          body: {
            expiresInSeconds: Math.round(options.expires / 1000),
            maxUses: options.uses,
            tags,
            ...(options.maxTaskCount !== undefined ? { maxTaskCount: options.maxTaskCount } : {}),
            enableWorker: options.enable === true,
          },
        },
        { flags: tokenFlags },
      );
      if (out.json) return out.data(created);
      const { token: shown } = created;
      const uses = shown.maxUses === 1 ? 'one worker' : `${shown.maxUses} workers`;
      out.note(`Created enrollment token ${shown.tokenId}: ${uses} may join with it until ${formatTime(shown.expiresTime, ctx.io.clock.now())}.`);
      out.note(`They get ${describeGrant(shown)}.`);
      out.note('The token is shown this once and the master keeps only its hash. On the worker machine, run:');
      // The command alone on stdout, so a script can capture it.
      out.line(created.joinCommand);
    });

  token
    .command('list')
    .summary('list enrollment tokens with their uses and status (never the tokens themselves)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout worker token list']))
    .action(async (options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listEnrollmentTokens, {});
      if (out.json) return out.data(answer);
      if (answer.tokens.length === 0) {
        out.line('No enrollment tokens. Create one: scaleout worker token create');
        return;
      }
      const now = ctx.io.clock.now();
      out.table(answer.tokens, [
        { header: 'ID', value: (t) => t.tokenId },
        { header: 'STATUS', value: (t) => statusText(out.style, t) },
        { header: 'USES', value: (t) => `${t.useCount}/${t.maxUses}`, right: true },
        { header: 'EXPIRES', value: (t) => formatAgo(t.expiresTime, now) },
        { header: 'GIVES', value: (t) => describeGrant(t) },
        { header: 'CREATED', value: (t) => `${formatAgo(t.createdTime, now)} by ${t.createdBy}` },
      ]);
    });

  token
    .command('revoke')
    .summary('revoke an enrollment token: no more workers join with it')
    .argument('<id>', 'the token ID (as worker token list shows it)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout worker token revoke k3x9q2m1v8za --yes']))
    .action(async (id: string, options: { yes?: boolean; json?: boolean }) => {
      const out = ctx.output(options);
      await confirm(ctx, `Revoke enrollment token ${id}? Workers that joined with it stay.`, { yes: options.yes, action: 'revoking an enrollment token' });
      const revoked = await ctx.api().call(revokeEnrollmentToken, { params: { tokenId: id } });
      if (out.json) return out.data(revoked);
      out.line(`Revoked enrollment token ${revoked.tokenId} (used ${revoked.useCount} of ${revoked.maxUses} times).`);
    });
}

function describeGrant(token: EnrollmentTokenView): string {
  return [
    token.tags.length > 0 ? `tags ${formatList(token.tags)}` : 'no tags',
    `MaxTaskCount ${token.maxTaskCount ?? 'default'}`,
    token.enableWorker ? 'enabled' : 'disabled',
  ].join(', ');
}

function statusText(style: Style, token: EnrollmentTokenView): string {
  switch (token.status) {
    case 'active':
      return style.green('active');
    case 'used-up':
      return style.dim('used up');
    case 'expired':
      return style.dim('expired');
    case 'revoked':
      return style.red('revoked');
  }
}
