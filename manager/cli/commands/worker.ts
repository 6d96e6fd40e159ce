import type { Command } from 'commander';
import {
  disableWorker,
  enableWorker,
  listWorkers,
  removeWorker,
  setWorkerProperties,
} from '../../../contracts/management/endpoints.js';
import type { WorkerAgentView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { formatAgo, formatList, formatTime, shortIso } from '../output/format.js';
import type { Output } from '../output/output.js';
import type { Style } from '../output/style.js';
import { confirm } from './confirm.js';
import { examples, ssisdb } from './help-text.js';
import { collect, positiveWholeNumber } from './options.js';
import { resolveWorker } from './resolve-worker.js';
import { addWorkerCommand, workerFlags, type AddWorkerOptions } from './worker-add.js';
import { registerWorkerTokenCommands } from './worker-token.js';

const workerArgument = ['<worker>', 'the worker: its ID, a unique ID prefix, or its display or machine name'] as const;


interface SetOptions {
  name?: string;
  description?: string;
  tag?: string[];
  tags?: string;
  maxTasks?: number;
  json?: boolean;
}

export function registerWorkerCommands(program: Command, ctx: CommandContext): void {
  const worker = program
    .command('worker')
    .summary('list, add, remove, enable, disable and edit worker agents')
    .description("Worker agents: Scale Out Manager's Worker Manager page.");

  worker
    .command('list')
    .summary('list worker agents with their status, tasks and tags')
    .description("List every worker agent: online, offline or disabled, its running tasks against its MaxTaskCount, its agent's version (flagged when older than the master's), its tags." + ssisdb('catalog.worker_agents'))
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout worker list', "scaleout worker list --json | jq -r '.workers[] | select(.status==\"offline\") | .displayName'"]))
    .action(async (options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listWorkers, {});
      if (out.json) return out.data(answer);
      if (answer.workers.length === 0) {
        out.line('No worker agents yet. Add one: scaleout worker add --config <the worker\'s WorkerSettings.json>');
        return;
      }
      const now = ctx.io.clock.now();
      out.table(answer.workers, [
        { header: 'ID', value: (w) => w.workerAgentId },
        { header: 'NAME', value: (w) => w.displayName },
        { header: 'STATUS', value: (w) => statusText(out.style, w) },
        { header: 'TASKS', value: (w) => `${w.runningTaskCount}/${w.maxTaskCount}`, right: true },
        { header: 'AGENT', value: (w) => agentText(out.style, w) },
        { header: 'TAGS', value: (w) => formatList(w.tags) },
        { header: 'LAST ONLINE', value: (w) => formatAgo(w.lastOnlineTime, now) },
      ]);
      const outdated = answer.workers.filter((w) => w.agentOutdated).length;
      if (outdated > 0) {
        out.line(`${outdated} of ${answer.workers.length} agents are older than the master (${answer.masterVersion}): run \`scaleout-worker update\` on those machines.`);
      }
    });

  worker
    .command('show')
    .summary('show one worker agent: status, capacity, agent, certificate')
    .description('Show one worker agent: its status, running tasks against MaxTaskCount, tags, agent version and certificate.' + ssisdb('catalog.worker_agents'))
    .argument(...workerArgument)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout worker show node-a', 'scaleout worker show 3f2a']))
    .action(async (reference: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const found = await resolveWorker(ctx.api(), reference);
      if (out.json) return out.data(found);
      printWorker(out, found, ctx.io.clock.now());
    });

  worker
    .command('add')
    .summary("add a worker by its certificate, its thumbprint or its WorkerSettings.json (it starts disabled)")
    .description(
      "Add a worker agent, as Scale Out Manager does: the master first validates the worker's certificate, then this " +
        'shows the certificate, what will happen and what to do on the worker, and asks you to confirm. ' +
        'Give the certificate file (--cert, PEM or DER), its thumbprint (--thumbprint; the master checks the certificate ' +
        "when the worker first connects), or the worker's WorkerSettings.json (--config, written by scaleout-worker init), " +
        'from which the certificate, display name, description and MaxTaskCount are read. New workers start disabled.',
    )
    .option('--cert <file>', "the worker's certificate file (PEM or DER)")
    .option('--thumbprint <hex>', "the worker's certificate thumbprint (SHA-1 or SHA-256)")
    .option('--config <file>', "the worker's WorkerSettings.json")
    .option('--name <display-name>', 'display name (default: the certificate\'s common name)')
    .option('--machine <name>', 'machine name (default: the certificate\'s common name)')
    .option('--description <text>', 'description')
    .option('--tag <tag>', 'a tag executions can require (repeatable)', collect)
    .option('--max-tasks <n>', 'MaxTaskCount: tasks it runs at once (default 10)', positiveWholeNumber)
    .option('--dry-run', 'validate and show the plan, change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the API answer as JSON (the plan goes to stderr)')
    .addHelpText(
      'after',
      examples([
        'scaleout worker add --config /var/lib/scaleout-worker/WorkerSettings.json',
        'scaleout worker add --cert node-a.crt --tag linux --tag python --max-tasks 4',
        'scaleout worker add --thumbprint 3f2a…9c --name node-b --yes',
        'scaleout worker add --config ./WorkerSettings.json --dry-run   # validate only',
      ]),
    )
    .action((options: AddWorkerOptions) => addWorkerCommand(ctx, options));

  registerWorkerTokenCommands(worker, ctx);

  worker
    .command('remove')
    .summary('remove a worker agent (its running tasks are re-queued)')
    .argument(...workerArgument)
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['scaleout worker remove node-a', 'scaleout worker remove 3f2a --yes']))
    .action(async (reference: string, options: { yes?: boolean }) => {
      const out = ctx.output();
      const api = ctx.api();
      const found = await resolveWorker(api, reference);
      const running = found.runningTaskCount > 0 ? ` It runs ${found.runningTaskCount} task(s) now: they are re-queued, or end when no retry is left.` : '';
      await confirm(ctx, `Remove worker ${found.workerAgentId} (${found.displayName})?${running}`, { yes: options.yes, action: 'removing a worker' });
      await api.call(removeWorker, { params: { workerAgentId: found.workerAgentId } });
      out.line(`Removed worker ${found.workerAgentId} (${found.displayName}).`);
    });

  worker
    .command('enable')
    .summary('enable a worker agent: it may take tasks')
    .description('Enable a worker agent: it may take tasks. New workers start disabled.' + ssisdb('enable_worker_agent'))
    .argument(...workerArgument)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout worker enable node-a']))
    .action(async (reference: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const found = await resolveWorker(api, reference);
      const updated = await api.call(enableWorker, { params: { workerAgentId: found.workerAgentId } });
      if (out.json) return out.data(updated);
      const hint = updated.status === 'offline' ? ' It is offline: is scaleout-worker running on it?' : '';
      out.line(`Worker ${updated.workerAgentId} (${updated.displayName}) is enabled; it is ${statusText(out.style, updated)}.${hint}`);
    });

  worker
    .command('disable')
    .summary('disable a worker agent: no new tasks; it finishes the ones it runs')
    .description('Disable a worker agent: it takes no new task and finishes the ones it runs.' + ssisdb('disable_worker_agent'))
    .argument(...workerArgument)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout worker disable node-a']))
    .action(async (reference: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const found = await resolveWorker(api, reference);
      const updated = await api.call(disableWorker, { params: { workerAgentId: found.workerAgentId } });
      if (out.json) return out.data(updated);
      const running = updated.runningTaskCount > 0 ? `; it finishes the ${updated.runningTaskCount} task(s) it runs` : '';
      out.line(`Worker ${updated.workerAgentId} (${updated.displayName}) is disabled: it takes no new task${running}.`);
    });

  worker
    .command('set')
    .summary("set a worker's display name, description, tags or MaxTaskCount")
    .description(
      "Set a worker agent's properties. Tags replace the worker's tags: repeat --tag, or give a comma-separated --tags " +
        "('' clears them)." +
        ssisdb('set_worker_agent_property'),
    )
    .argument(...workerArgument)
    .option('--name <display-name>', 'display name')
    .option('--description <text>', "description ('' clears it)")
    .option('--tag <tag>', 'a tag (repeatable); replaces the tags', collect)
    .option('--tags <list>', "comma-separated tags replacing the worker's tags; '' clears them")
    .option('--max-tasks <n>', 'MaxTaskCount: tasks it runs at once', positiveWholeNumber)
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      examples([
        'scaleout worker set node-a --description "ETL box, rack 4" --max-tasks 8',
        'scaleout worker set node-a --tag linux --tag python',
        "scaleout worker set node-a --tags ''",
      ]),
    )
    .action(async (reference: string, options: SetOptions) => {
      const out = ctx.output(options);
      if (options.tag && options.tags !== undefined) throw usageError('give --tag or --tags, not both');
      const tags =
        options.tag ??
        (options.tags === undefined
          ? undefined
          : options.tags
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean));
      const changes = {
        ...(options.name !== undefined ? { displayName: options.name } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(tags !== undefined ? { tags } : {}),
        ...(options.maxTasks !== undefined ? { maxTaskCount: options.maxTasks } : {}),
      };
      if (Object.keys(changes).length === 0) throw usageError('give at least one of --name, --description, --tag/--tags, --max-tasks');
      const api = ctx.api();
      const found = await resolveWorker(api, reference);
      const updated = await api.call(setWorkerProperties, { params: { workerAgentId: found.workerAgentId }, body: changes }, { flags: workerFlags });
      if (out.json) return out.data(updated);
      out.line(`Updated worker ${updated.workerAgentId}:`);
      out.fields([
        ['  Name', updated.displayName],
        ['  Description', updated.description === '' ? '-' : updated.description],
        ['  Tags', formatList(updated.tags, 50)],
        ['  Max tasks', String(updated.maxTaskCount)],
      ]);
    });
}

function printWorker(out: Output, worker: WorkerAgentView, now: number): void {
  const { certificate } = worker;
  const expiry =
    certificate.notAfter === null
      ? undefined
      : Date.parse(certificate.notAfter) < now
        ? out.style.red(`${shortIso(certificate.notAfter)} (expired)`)
        : Date.parse(certificate.notAfter) - now < 30 * 86_400_000
          ? out.style.yellow(`${shortIso(certificate.notAfter)} (${formatAgo(certificate.notAfter, now)})`)
          : shortIso(certificate.notAfter);
  out.fields([
    ['ID', worker.workerAgentId],
    ['Name', worker.displayName],
    ['Machine', worker.machineName],
    ['Description', worker.description === '' ? '-' : worker.description],
    ['Status', statusText(out.style, worker)],
    ['Tasks', `${worker.runningTaskCount} running of ${worker.maxTaskCount} (MaxTaskCount)`],
    ['Tags', formatList(worker.tags, 50)],
    ['Last online', formatTime(worker.lastOnlineTime, now)],
    ['Agent', worker.agentVersion === null ? '-' : `${agentText(out.style, worker)} on ${worker.os ?? '?'} as ${worker.userAccount ?? '?'}`],
    ['Cert SHA-1', certificate.thumbprintSha1 ?? '-'],
    ['Cert SHA-256', certificate.thumbprintSha256 ?? '-'],
    ['Cert expires', expiry ?? (certificate.thumbprintSha1 ?? certificate.thumbprintSha256 ? 'not known until the worker first connects' : '-')],
    ['Added', formatTime(worker.createdTime, now)],
  ]);
}

/** The agent's version, flagged when the master's is newer. */
function agentText(style: Style, worker: Pick<WorkerAgentView, 'agentVersion' | 'agentOutdated'>): string {
  if (worker.agentVersion === null) return '-';
  return worker.agentOutdated ? style.yellow(`${worker.agentVersion} (outdated)`) : worker.agentVersion;
}

export function statusText(style: Style, worker: Pick<WorkerAgentView, 'status'>): string {
  switch (worker.status) {
    case 'online':
      return style.green('online');
    case 'offline':
      return style.red('offline');
    case 'disabled':
      return style.dim('disabled');
  }
}
