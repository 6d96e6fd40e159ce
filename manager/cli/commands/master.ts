import type { Command } from 'commander';
import { enableScaleOut, getMasterStatus, listPoisonMessages, redrivePoisonMessages } from '../../../contracts/management/endpoints.js';
import type { MasterStatusView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { formatAgo, shortIso } from '../output/format.js';
import type { Output } from '../output/output.js';
import { examples, ssisdb } from './help-text.js';

export function registerMasterCommands(program: Command, ctx: CommandContext): void {
  const master = program
    .command('master')
    .summary("the master's status; enable Scale Out")
    .description('The Scale Out master: its status (the Dashboard page of Scale Out Manager), and enabling Scale Out.');

  master
    .command('status')
    .summary('show whether Scale Out is enabled, the master heartbeat, workers and executions')
    .description(
      "Show the master's status: Scale Out enabled or not, its address and certificate, how long ago its heartbeat " +
        'ran, and how many workers and executions it has.' +
        ssisdb('catalog.master_properties'),
    )
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout master status', 'scaleout master status --json | jq .isScaleOutEnabled']))
    .action(async (options: { json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const status = await api.call(getMasterStatus, {});
      if (out.json) return out.data(status);
      printStatus(out, status, api.url, ctx.io.clock.now());
    });

  master
    .command('enable')
    .summary('enable Scale Out: until then no worker gets a task')
    .description('Enable Scale Out on the master. Until it is enabled, executions wait and no worker gets a task.' + ssisdb('enable_scaleout'))
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout master enable']))
    .action(async (options: { json?: boolean }) => {
      const out = ctx.output(options);
      const status = await ctx.api().call(enableScaleOut, {});
      if (out.json) return out.data(status);
      out.line(`Scale Out is enabled on ${ctx.api().url}.`);
    });

  master
    .command('redrive')
    .summary("retry the messages the master's queue triggers gave up on (poison messages)")
    .description(
      'Event lines the master could not store, or timers it could not run, after several tries wait in poison ' +
        "queues (counted by 'scaleout master status'). Once the cause is fixed, this puts them back on their " +
        'queues for another try. Without --yes it only lists them.',
    )
    .option('--yes', 'put them back (otherwise only list them)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout master redrive', 'scaleout master redrive --yes']))
    .action(async (options: { yes?: boolean; json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      if (!options.yes) {
        const { queues } = await api.call(listPoisonMessages, {});
        if (out.json) return out.data({ queues });
        for (const queue of queues) {
          out.line(`${queue.queue}-poison (${queue.function}): ${queue.count} message${queue.count === 1 ? '' : 's'}`);
          for (const message of queue.messages) out.line(`  ${message.messageId}  ${message.insertedTime ?? ''}  ${message.preview}`);
        }
        if (queues.some((queue) => queue.count > 0)) out.line("Put them back with 'scaleout master redrive --yes'.");
        return;
      }
      const { queues } = await api.call(redrivePoisonMessages, {});
      if (out.json) return out.data({ queues });
      const redriven = queues.filter((queue) => queue.redriven > 0);
      if (redriven.length === 0) out.line('No poison message to put back.');
      for (const queue of redriven) out.line(`${queue.queue}: ${queue.redriven} message${queue.redriven === 1 ? '' : 's'} put back`);
    });
}

function printStatus(out: Output, status: MasterStatusView, url: string, now: number): void {
  const { style } = out;
  const heartbeat =
    status.heartbeatAgeSeconds === null || status.lastOnlineTime === null
      ? style.yellow('never ran: are the master timers running?')
      : status.heartbeatAgeSeconds > 2 * status.heartbeatIntervalSeconds
        ? style.yellow(`${formatAgo(status.lastOnlineTime, now)}: the master timers seem not to run`)
        : `${formatAgo(status.lastOnlineTime, now)} (${shortIso(status.lastOnlineTime)})`;
  const { workers, executions } = status;
  out.fields([
    ['Scale Out', status.isScaleOutEnabled ? style.green('enabled') : style.yellow('not enabled (scaleout master enable)')],
    ['Master', url],
    ['Address', status.masterAddress !== null && status.masterAddress !== url ? status.masterAddress : undefined],
    ['Version', status.version],
    ['Catalog', status.catalogEngine === 'sqlite' ? 'SQLite (embedded)' : 'Azure SQL / SQL Server'],
    ['Heartbeat', heartbeat],
    ['Certificate', status.certificateThumbprint ?? undefined],
    [
      'Workers',
      `${workers.online} online, ${workers.offline} offline, ${workers.disabled} disabled (${workers.total} in all)`,
    ],
    ['Executions', `${executions.running} running, ${executions.pending} pending, ${executions.stopping} stopping`],
    [
      'Poison messages',
      status.poisonMessages === null
        ? style.yellow('unknown: the queues could not be read')
        : status.poisonMessages > 0
          ? style.yellow(`${status.poisonMessages} (scaleout master redrive)`)
          : '0',
    ],
  ]);
}
