import type { Command } from 'commander';
import { executionStatusNames } from '../../../contracts/common.js';
import {
  addExecutionWorker,
  createExecution,
  getSchedule,
  listExecutions,
  setExecutionParameterValue,
  startExecution,
} from '../../../contracts/management/endpoints.js';
import { taskEnvironment } from '../../../contracts/task-api.js';
import type { ExecutionView } from '../../../contracts/management/views.js';
import type { MasterApi } from '../client.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { formatAgo, parseDuration } from '../output/format.js';
import { runFlags, type ExecutionAccess } from './execution-access.js';
import { elapsed, eventLine, packagePath, printExecution, statusText, type ExecutionSurroundings } from './execution-output.js';
import { followExecution, readAllEvents } from './follow-execution.js';
import { examples, ssisdb } from './help-text.js';
import { collect, duration, executionId, positiveWholeNumber, wholeNumber } from './options.js';
import { parsePackageRef } from './refs.js';
import { resolveWorker, resolveWorkerIds } from './resolve-worker.js';
import { resolveReferenceId } from './resolve-reference.js';
import { parseParameters, splitAssignment, withRunOptions, type RunOptions } from './run-options.js';
import { reportStarted } from './wait-execution.js';

/** Contract fields → the options that set them, for error messages. */
const executionFlags = {
  ...runFlags,
  'query.limit': '--limit',
  'query.offset': '--offset',
  'query.since': '--since',
  'query.folder': '--folder',
  'query.project': '--project',
  'query.package': '--package',
  'query.parent': '--parent',
};

const idArgument = ['<id>', 'the execution ID', executionId] as const;

/** What the commands that also work inside a package say about it in their help. */
const inPackage =
  `\n\nInside a package (its worker sets ${taskEnvironment.taskCredential} and ${taskEnvironment.masterUrl}; no API key configured), ` +
  'this acts on the children of the calling execution, through the task API.';

interface CreateOptions extends RunOptions {
  version?: number;
  json?: boolean;
}

interface RunCommandOptions extends CreateOptions {
  key?: string;
  wait?: boolean;
  timeout?: number;
}

export function registerExecutionCommands(program: Command, ctx: CommandContext): void {
  const execution = program
    .command('execution')
    .summary('run packages: create, start, stop, follow and list executions')
    .description(
      'Executions: one run of one package with its parameter values, on the workers allowed to run it. The commands ' +
        'mirror the SSISDB procedures; `execution run` creates and starts in one step, and can wait for the outcome. ' +
        'An execution a package started is its child: `execution show` lists an execution\'s children and `execution ' +
        'logs` shows the whole tree\'s log.',
    );

  const withCreateOptions = (command: Command, options: { retry: boolean; workerHint?: string }): Command =>
    withRunOptions(command.argument('<folder/project/package>', 'the package, e.g. Finance/ETL/extract'), options).option(
      '--version <n>',
      'the project version (default: the current one, see scaleout project versions)',
      positiveWholeNumber,
    );

  withCreateOptions(execution.command('create'), { retry: false })
    .summary('create an execution of a package, not started yet')
    .description('Create an execution of a package with parameter values and, optionally, the workers allowed to run it.' + ssisdb('create_execution, set_execution_parameter_value, add_execution_worker'))
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      examples([
        'scaleout execution create Finance/ETL/extract --param SourcePath=/data/in.csv --param BatchSize=500',
        'scaleout execution create Finance/ETL/load --worker node-a --worker node-b',
      ]),
    )
    .action(async (ref: string, options: CreateOptions) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const created = await api.call(createExecution, { body: await createBody(api, ref, options, ctx.io.cwd) }, { flags: executionFlags });
      if (out.json) return out.data(created);
      out.line(`Created execution ${created.executionId} of ${packagePath(created)} (not started).`);
      out.line(`Start it: scaleout execution start ${created.executionId}`);
    });

  execution
    .command('set-param')
    .summary('set a parameter value of a created execution')
    .description('Set a parameter value of an execution that is created and not started.' + ssisdb('set_execution_parameter_value'))
    .argument(...idArgument)
    .argument('<name=value>', 'the parameter and its value')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout execution set-param 42 BatchSize=1000']))
    .action(async (id: number, assignment: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const [name, value] = splitAssignment(assignment, 'the parameter');
      const updated = await ctx.api().call(setExecutionParameterValue, { params: { executionId: id, parameterName: name }, body: { value } });
      if (out.json) return out.data(updated);
      out.line(`Execution ${id}: ${name} is set.`);
    });

  execution
    .command('add-worker')
    .summary('allow a worker to run a created execution (then only the added workers may)')
    .description('Allow a worker to run a created execution; it then runs only on the workers added.' + ssisdb('add_execution_worker'))
    .argument(...idArgument)
    .argument('<worker>', 'the worker: its ID, a unique ID prefix, or its name')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout execution add-worker 42 node-a']))
    .action(async (id: number, reference: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const worker = await resolveWorker(api, reference);
      const updated = await api.call(addExecutionWorker, { params: { executionId: id }, body: { workerAgentId: worker.workerAgentId } });
      if (out.json) return out.data(updated);
      out.line(`Execution ${id} may run on ${worker.displayName} (${worker.workerAgentId}); it runs only on the workers added.`);
    });

  execution
    .command('start')
    .summary('start a created execution, with a retry count')
    .description(
      'Start a created execution: it waits for a worker allowed to run it. A failed or lost attempt is retried up to ' +
        '--retry times.' +
        ssisdb('start_execution @retry_count'),
    )
    .argument(...idArgument)
    .option('--retry <n>', 'retries after a failed or lost attempt (0-10)', wholeNumber, 0)
    .option('--wait', 'wait until it ends, showing its progress and log; the exit code tells the outcome')
    .option('--timeout <duration>', 'with --wait: stop waiting after this long (exit code 13)', duration)
    .option('--json', 'print the API answer as JSON (with --wait: the final state)')
    .addHelpText('after', examples(['scaleout execution start 42', 'scaleout execution start 42 --retry 2 --wait --timeout 30m']))
    .action(async (id: number, options: { retry: number; wait?: boolean; timeout?: number; json?: boolean }) => {
      const out = ctx.output(options);
      if (options.timeout !== undefined && !options.wait) throw usageError('--timeout goes with --wait');
      const api = ctx.api();
      const started = await api.call(startExecution, { params: { executionId: id }, body: { retryCount: options.retry } }, { flags: { 'body.retryCount': '--retry' } });
      await reportStarted(ctx, ctx.executions(), out, started, options);
    });

  withCreateOptions(execution.command('run'), {
    retry: true,
    workerHint: 'a worker allowed to run it (repeatable; default: any worker); inside a package, its ID',
  })
    .summary('create and start an execution; with --wait, wait for its outcome')
    .description(
      'Create an execution and start it in one step. With --wait, show its progress (status, worker, log lines, its ' +
        "children's log lines too) until it ends, and exit 0 when it succeeded, or 10 failed, 11 canceled, 12 ended " +
        'unexpectedly, 13 timed out waiting.' +
        inPackage +
        ' `run` starts a child execution (SSIS: the parent package of the SQL Server Agent load-balancing pattern); ' +
        '--key names it, so that a retried parent asking again under the same key gets the same child instead of a ' +
        'new one. With --wait the package waits for its child and fails when the child fails.' +
        ssisdb('create_execution + start_execution'),
    )
    .option('--key <key>', 'inside a package: names the child among its siblings (a retried parent gets the same child back)')
    .option('--wait', 'wait until it ends, showing its progress and log; the exit code tells the outcome')
    .option('--timeout <duration>', 'with --wait: stop waiting after this long (exit code 13)', duration)
    .option('--json', 'print the API answer as JSON (with --wait: the final state; progress goes to stderr)')
    .addHelpText(
      'after',
      examples([
        'scaleout execution run Finance/ETL/extract --param SourcePath=/data/in.csv --wait',
        'scaleout execution run Finance/ETL/load --tag linux --retry 2 --wait --timeout 1h',
        'scaleout execution run Finance/ETL/extract --environment Finance/Prod --wait   # values from environment Prod',
        'scaleout execution run Finance/ETL/extract --param SourcePath=/in.csv --json | jq .executionId',
        'scaleout execution run Sales/Partitions/sum --param Partition=3 --key p3 --wait   # in a package: a child',
      ]),
    )
    .action(async (ref: string, options: RunCommandOptions) => {
      const out = ctx.output(options);
      if (options.timeout !== undefined && !options.wait) throw usageError('--timeout goes with --wait');
      const access = ctx.executions();
      const parameters = parseParameters(options, ctx.io.cwd);
      const started = await access.run({
        ...parsePackageRef(ref),
        ...(options.version !== undefined ? { versionNumber: options.version } : {}),
        ...(parameters ? { parameters } : {}),
        ...(options.worker ? { workers: options.worker } : {}),
        ...(options.tag ? { requiredTags: options.tag } : {}),
        retryCount: options.retry ?? 0,
        ...(options.packageTimeout !== undefined ? { timeoutMs: options.packageTimeout } : {}),
        ...(options.key !== undefined ? { key: options.key } : {}),
        ...(options.environment !== undefined ? { environment: options.environment } : {}),
      });
      await reportStarted(ctx, access, out, started, options);
    });

  execution
    .command('stop')
    .summary('stop an execution: a waiting one is canceled, a running one asked to stop')
    .description(
      'Stop an execution, and its children with it: one that waits is canceled at once; one that runs is stopping ' +
        'until its worker confirms.' +
        inPackage +
        ssisdb('stop_operation'),
    )
    .argument(...idArgument)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout execution stop 42']))
    .action(async (id: number, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const stopped = await ctx.executions().stop(id);
      if (out.json) return out.data(stopped);
      out.line(
        stopped.status === 8
          ? `Execution ${id} is stopping: its worker has been asked to cancel it.`
          : `Execution ${id} is ${stopped.statusName}.`,
      );
    });

  execution
    .command('show')
    .summary('show an execution: status, parameters, attempts, workers, why it waits, parent and children')
    .description(
      'Show an execution: its status, its parameters (sensitive values masked), its attempts with their workers and ' +
        'times, while it waits why, the execution that started it (its parent) and the ones it started (its ' +
        'children, and theirs, indented under their parent, with their key, status, worker and message).' +
        inPackage +
        ssisdb('catalog.executions'),
    )
    .argument(...idArgument)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout execution show 42', 'scaleout execution show 42 --json | jq .status', "scaleout execution show 42 --json | jq '.children[] | select(.status==4)'"]))
    .action(async (id: number, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const access = ctx.executions();
      const shown = await access.get(id);
      if (out.json) return out.data(shown);
      printExecution(out, shown, await surroundings(ctx, access, shown), ctx.io.clock.now());
    });

  execution
    .command('list')
    .summary('list executions, newest first, by status, package, age or parent')
    .description('List executions, newest first.' + ssisdb('catalog.executions'))
    .option('--status <status>', `a status name or code (repeatable): ${Object.values(executionStatusNames).join(', ')}`, collect)
    .option('--folder <folder>', 'only this folder')
    .option('--project <project>', 'only this project')
    .option('--package <package>', 'only this package')
    .option('--parent <id>', 'only the children of this execution', executionId)
    .option('--since <when>', 'created within this duration (1h, 2d) or since this ISO 8601 time')
    .option('--limit <n>', 'at most this many (1-500)', positiveWholeNumber, 50)
    .option('--offset <n>', 'skip this many (for the next page)', wholeNumber)
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      examples([
        'scaleout execution list',
        'scaleout execution list --status failed --since 24h',
        'scaleout execution list --folder Finance --status running --status pending',
        'scaleout execution list --parent 41',
      ]),
    )
    .action(async (options: ListOptions) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const answer = await api.call(listExecutions, { query: listQuery(options, ctx.io.clock.now()) }, { flags: executionFlags });
      if (out.json) return out.data(answer);
      if (answer.executions.length === 0) {
        out.line(options.parent === undefined ? 'No executions match.' : `Execution ${options.parent} has no children that match.`);
        return;
      }
      const now = ctx.io.clock.now();
      // The parent column appears when some listed execution is a child: most topologies have none.
      const anyChild = answer.executions.some((e) => e.parentExecutionId !== null);
      out.table(answer.executions, [
        { header: 'ID', value: (e) => String(e.executionId), right: true },
        { header: 'STATUS', value: (e) => statusText(out.style, e) },
        { header: 'PACKAGE', value: (e) => packagePath(e) },
        ...(anyChild ? [{ header: 'PARENT', value: (e: (typeof answer.executions)[number]) => (e.parentExecutionId === null ? '-' : String(e.parentExecutionId)), right: true }] : []),
        { header: 'WORKER', value: (e) => e.workerDisplayName ?? e.workerAgentId ?? '-' },
        { header: 'ATTEMPTS', value: (e) => String(e.attemptCount), right: true },
        { header: 'CREATED', value: (e) => formatAgo(e.createdTime, now) },
        { header: 'DURATION', value: (e) => elapsed(e, now) ?? '-' },
      ]);
      if (answer.nextOffset !== null) out.line(`More: scaleout execution list --offset ${answer.nextOffset}`);
    });

  execution
    .command('logs')
    .summary("print an execution's event messages, its children's too; --follow until it ends")
    .description(
      "Print an execution's event messages (its log), oldest first, with the messages of the executions it started " +
        '(its children, and theirs) in the same stream; a child\'s line is prefixed by the key its parent gave it (`[p3]`, ' +
        'a grandchild\'s `[p3/q1]`) or, without one, by its ID and package (`[43 partition]`). With ' +
        '--follow, keep printing new ones until the execution and its children have ended and no new line has arrived ' +
        'for a couple of seconds. With --json: the API answer, or with --follow one event per line (JSON Lines).' +
        inPackage +
        " There a child's log is its own." +
        ssisdb('catalog.event_messages'),
    )
    .argument(...idArgument)
    .option('-f, --follow', 'keep following until the execution and its children have ended')
    .option('--no-children', "only the execution's own messages")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples([
        'scaleout execution logs 42',
        'scaleout execution logs 42 --follow',
        'scaleout execution logs 42 --no-children',
        'scaleout execution logs 42 --json | jq -r \'.events[] | select(.messageTypeName=="error") | .message\'',
      ]),
    )
    .action(async (id: number, options: { follow?: boolean; children: boolean; json?: boolean }) => {
      const out = ctx.output(options);
      const access = ctx.executions();
      const tree = options.children;
      if (!options.follow) {
        const { labelOf, ...all } = await readAllEvents(access, id, tree);
        if (out.json) return out.data(all);
        for (const event of all.events) out.line(eventLine(out.style, event, labelOf(event)));
        return;
      }
      const { execution: ended } = await followExecution(
        ctx,
        access,
        id,
        {
          onEvents: (events, labelOf) => {
            for (const event of events) {
              if (out.json) out.dataLine(event);
              else out.line(eventLine(out.style, event, labelOf(event)));
            }
          },
        },
        { tree, untilTreeEnds: tree },
      );
      if (!out.json) out.note(`Execution ${id} ${ended.statusName}.`);
    });
}

/** What `execution show` puts around the execution: worker names, its parent, its descendants, its schedule. */
async function surroundings(ctx: CommandContext, access: ExecutionAccess, shown: ExecutionView): Promise<ExecutionSurroundings> {
  const around: ExecutionSurroundings = { workerNames: await access.workerNames(), descendants: await access.descendants(shown) };
  if (shown.parentExecutionId !== null) {
    if (access.self !== undefined && shown.parentExecutionId === access.self) around.parentIsSelf = true;
    else around.parent = await access.describe(shown.parentExecutionId);
  }
  if (shown.scheduleId !== null && access.kind === 'management') {
    try {
      around.scheduleName = (await ctx.api().call(getSchedule, { params: { scheduleId: shown.scheduleId } })).name;
    } catch {
      // Removed since: its ID says enough.
    }
  }
  return around;
}

interface ListOptions {
  status?: string[];
  folder?: string;
  project?: string;
  package?: string;
  parent?: number;
  since?: string;
  limit: number;
  offset?: number;
  json?: boolean;
}

function listQuery(options: ListOptions, now: number) {
  const codes = new Map<string, number>(Object.entries(executionStatusNames).map(([code, name]) => [name.replace(/ /g, '-'), Number(code)]));
  const status = options.status?.map((s) => {
    const key = s.trim().toLowerCase().replace(/[ _]/g, '-');
    const code = /^\d$/.test(key) ? Number(key) : codes.get(key);
    if (code === undefined || code < 1 || code > 9) {
      throw usageError(`--status: '${s}' is not a status; use one of ${[...codes.keys()].join(', ')} or a code 1-9`);
    }
    return code;
  });
  let since: string | undefined;
  if (options.since !== undefined) {
    const ago = parseDuration(options.since);
    const time = ago === undefined ? Date.parse(options.since) : now - ago;
    if (Number.isNaN(time)) throw usageError(`--since: '${options.since}' is neither a duration (1h, 2d) nor an ISO 8601 time`);
    since = new Date(time).toISOString();
  }
  return {
    ...(status ? { status } : {}),
    ...(options.folder !== undefined ? { folder: options.folder } : {}),
    ...(options.project !== undefined ? { project: options.project } : {}),
    ...(options.package !== undefined ? { package: options.package } : {}),
    ...(options.parent !== undefined ? { parent: options.parent } : {}),
    ...(since !== undefined ? { since } : {}),
    limit: options.limit,
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
  };
}

/** The body of create_execution (not started), workers named the way an administrator names them. */
async function createBody(api: MasterApi, ref: string, options: CreateOptions, cwd: string) {
  const parameters = parseParameters(options, cwd);
  const workerAgentIds = options.worker ? await resolveWorkerIds(api, options.worker) : undefined;
  const target = parsePackageRef(ref);
  const referenceId = options.environment === undefined ? undefined : await resolveReferenceId(api, target, options.environment);
  return {
    ...target,
    ...(referenceId !== undefined ? { referenceId } : {}),
    ...(parameters ? { parameters } : {}),
    ...(workerAgentIds ? { workerAgentIds } : {}),
    ...(options.tag ? { requiredTags: options.tag } : {}),
    ...(options.version !== undefined ? { versionNumber: options.version } : {}),
    ...(options.packageTimeout !== undefined ? { timeoutMs: options.packageTimeout } : {}),
    start: false,
  };
}
