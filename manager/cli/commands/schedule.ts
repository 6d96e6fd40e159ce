import { Option, type Command } from 'commander';
import {
  createSchedule,
  disableSchedule,
  enableSchedule,
  listSchedules,
  removeSchedule,
  runScheduleNow,
} from '../../../contracts/management/endpoints.js';
import { MisfirePolicy, type ExecutionSummaryView, type ScheduleView } from '../../../contracts/management/views.js';
import type { MasterApi } from '../client.js';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { formatAgo, formatDuration, formatTime, inTimeZone } from '../output/format.js';
import type { Output } from '../output/output.js';
import { confirm } from './confirm.js';
import { runFlags, type ExecutionAccess } from './execution-access.js';
import { packagePath, statusText } from './execution-output.js';
import { examples, sqlServerAgent } from './help-text.js';
import { duration } from './options.js';
import { parsePackageRef } from './refs.js';
import { resolveWorkerIds, workerNames } from './resolve-worker.js';
import { resolveReferenceId } from './resolve-reference.js';
import { parseParameters, withRunOptions, type RunOptions } from './run-options.js';
import { reportStarted } from './wait-execution.js';

/** Contract fields (as the CLI checks them, and as the master names them) → the options that set them. */
const scheduleFlags = {
  ...runFlags,
  'body.name': '<name>',
  'body.cron': '--cron',
  'body.timeZone': '--time-zone',
  'body.misfirePolicy': '--misfire',
  // The master's own checks name the fields without `body.`.
  name: '<name>',
  cron: '--cron',
  timeZone: '--time-zone',
};

const scheduleArgument = ['<schedule>', 'the schedule: its ID or its name'] as const;

const misfireWords: Record<MisfirePolicy, string> = {
  'run-once': 'run-once (after downtime, the missed runs are run once)',
  skip: 'skip (after downtime, the missed runs are dropped)',
};

interface CreateOptions extends RunOptions {
  cron: string;
  timeZone: string;
  misfire: MisfirePolicy;
  disabled?: boolean;
  json?: boolean;
}

export function registerScheduleCommands(program: Command, ctx: CommandContext): void {
  const schedule = program
    .command('schedule')
    .summary('run packages on a schedule: create, list, show, enable, disable, remove, run now')
    .description(
      'Schedules: run a package with its parameter values on a cron expression in a time zone, as a SQL Server Agent ' +
        'job with a schedule ran SSIS packages. The master starts each run as an execution; missed runs after downtime ' +
        'run once or are skipped (--misfire).' +
        sqlServerAgent('jobs and schedules (sp_add_job, sp_add_jobschedule, sp_update_job, sp_delete_job, sp_start_job)'),
    );

  withRunOptions(
    schedule
      .command('create')
      .argument('<name>', 'the schedule\'s name, unique, e.g. "nightly extract"')
      .argument('<folder/project/package>', 'the package, e.g. Finance/ETL/extract'),
    { retry: true },
  )
    .summary('create a schedule: a package, its values and a cron expression in a time zone')
    .description(
      'Create a schedule that starts an execution of a package on a cron expression, evaluated in a time zone (so ' +
        '"every day at 02:00 Europe/Paris" follows daylight saving time). The master checks the package and the ' +
        'parameter values now, as for an execution, so a bad schedule fails here rather than at 2 am. Sensitive values ' +
        'are stored encrypted and never shown again.\n\n' +
        'Cron: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), e.g. "0 2 * * *" (02:00 ' +
        'every day), "*/15 * * * 1-5" (every 15 minutes on weekdays), "0 6 1 * *" (06:00 on the 1st).' +
        sqlServerAgent('sp_add_job + sp_add_jobstep (the package) + sp_add_jobschedule (when)'),
    )
    .requiredOption('--cron <expression>', 'when it runs: 5 fields (minute hour day month weekday) or 6 (seconds first)')
    .option('--time-zone <zone>', 'the IANA time zone the cron expression is read in, e.g. Europe/Paris', 'UTC')
    .addOption(new Option('--misfire <policy>', 'after downtime: run-once runs the missed runs once; skip drops them').choices(MisfirePolicy.options).default('run-once'))
    .option('--disabled', 'create it disabled: it starts nothing until enabled')
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      examples([
        'scaleout schedule create "nightly extract" Finance/ETL/extract --cron "0 2 * * *" --time-zone Europe/Paris --param SourcePath=/data/in.csv',
        'scaleout schedule create quarter-hourly Finance/ETL/load --cron "*/15 * * * 1-5" --tag linux --retry 2 --misfire skip',
        'scaleout schedule create month-end Finance/ETL/close --cron "0 6 1 * *" --disabled',
      ]),
    )
    .action(async (name: string, ref: string, options: CreateOptions) => {
      const out = ctx.output(options);
      const target = parsePackageRef(ref);
      checkCronShape(options.cron);
      checkTimeZone(options.timeZone);
      const parameters = parseParameters(options, ctx.io.cwd);
      const api = ctx.api();
      const workerAgentIds = options.worker ? await resolveWorkerIds(api, options.worker) : undefined;
      const referenceId = options.environment === undefined ? undefined : await resolveReferenceId(api, target, options.environment);
      const created = await api.call(
        createSchedule,
        {
          body: {
            name,
            ...target,
            ...(parameters ? { parameters } : {}),
            ...(workerAgentIds ? { workerAgentIds } : {}),
            ...(options.tag ? { requiredTags: options.tag } : {}),
            retryCount: options.retry ?? 0,
            ...(options.packageTimeout !== undefined ? { timeoutMs: options.packageTimeout } : {}),
            ...(referenceId !== undefined ? { referenceId } : {}),
            cron: options.cron,
            timeZone: options.timeZone,
            misfirePolicy: options.misfire,
            enabled: !options.disabled,
          },
        },
        { flags: scheduleFlags },
      );
      if (out.json) return out.data(created);
      out.line(`Created schedule ${created.scheduleId} '${created.name}': ${packagePath(created)} at "${created.cron}" (${created.timeZone}).`);
      out.line(
        created.isEnabled
          ? `Next run: ${nextRunText(created, ctx.io.clock.now())}.`
          : `It is disabled: enable it with scaleout schedule enable ${created.scheduleId}`,
      );
    });

  schedule
    .command('list')
    .summary('list schedules with their next run, last run and last error')
    .description(
      'List every schedule: its package, cron expression and time zone, whether it is enabled, when it runs next, ' +
        'its last run (the execution it started and how that went) and why its last run could not start, if so.' +
        sqlServerAgent('sysjobs, sysjobschedules, sysjobhistory (Job Activity Monitor)'),
    )
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout schedule list', "scaleout schedule list --json | jq -r '.schedules[] | select(.lastError) | .name'"]))
    .action(async (options: { json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const answer = await api.call(listSchedules, {});
      if (out.json) return out.data(answer);
      if (answer.schedules.length === 0) {
        out.line('No schedules. Create one: scaleout schedule create <name> <folder/project/package> --cron "0 2 * * *"');
        return;
      }
      const lastRuns = await lastExecutions(ctx.executions(), answer.schedules);
      const now = ctx.io.clock.now();
      out.table(answer.schedules, [
        { header: 'ID', value: (s) => String(s.scheduleId), right: true },
        { header: 'NAME', value: (s) => s.name },
        { header: 'PACKAGE', value: (s) => packagePath(s) },
        { header: 'CRON', value: (s) => `${s.cron} (${s.timeZone})` },
        { header: 'ENABLED', value: (s) => (s.isEnabled ? 'yes' : out.style.yellow('no')) },
        { header: 'NEXT RUN', value: (s) => (s.isEnabled ? formatAgo(s.nextRunTime, now).replace(/^never$/, '-') : '-') },
        { header: 'LAST RUN', value: (s) => lastRunText(out, s, lastRuns, now) },
        { header: 'LAST ERROR', value: (s) => (s.lastError === null ? '-' : out.style.red(s.lastError)) },
      ]);
    });

  schedule
    .command('show')
    .summary('show a schedule: its package, values, placement, cron, next and last run')
    .description('Show one schedule: what it runs and with which values (sensitive ones only named), where, when it runs next, its last run.' + sqlServerAgent('sp_help_job, sp_help_jobschedule'))
    .argument(...scheduleArgument)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout schedule show "nightly extract"', 'scaleout schedule show 3 --json | jq .nextRunTime']))
    .action(async (reference: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const api = ctx.api();
      const found = await resolveSchedule(api, reference);
      if (out.json) return out.data(found);
      await printSchedule(out, api, ctx.executions(), found, ctx.io.clock.now());
    });

  for (const enable of [true, false]) {
    schedule
      .command(enable ? 'enable' : 'disable')
      .summary(enable ? 'enable a schedule: its next run is computed from now' : 'disable a schedule: it starts nothing until enabled')
      .description(
        (enable
          ? 'Enable a schedule. Its next run is computed from now: runs missed while it was disabled are not run.'
          : 'Disable a schedule: it starts no execution until enabled again. Executions it started go on.') +
          sqlServerAgent(`sp_update_job @enabled = ${enable ? 1 : 0}`),
      )
      .argument(...scheduleArgument)
      .option('--json', 'print the API answer as JSON')
      .addHelpText('after', examples([`scaleout schedule ${enable ? 'enable' : 'disable'} "nightly extract"`]))
      .action(async (reference: string, options: { json?: boolean }) => {
        const out = ctx.output(options);
        const api = ctx.api();
        const found = await resolveSchedule(api, reference);
        const updated = await api.call(enable ? enableSchedule : disableSchedule, { params: { scheduleId: found.scheduleId } });
        if (out.json) return out.data(updated);
        out.line(
          updated.isEnabled
            ? `Schedule ${updated.scheduleId} '${updated.name}' is enabled; next run: ${nextRunText(updated, ctx.io.clock.now())}.`
            : `Schedule ${updated.scheduleId} '${updated.name}' is disabled; it starts nothing until enabled.`,
        );
      });
  }

  schedule
    .command('remove')
    .alias('delete')
    .summary('remove a schedule (the executions it started are kept)')
    .description('Remove a schedule. The executions it started stay in the catalog.' + sqlServerAgent('sp_delete_job'))
    .argument(...scheduleArgument)
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['scaleout schedule remove "nightly extract"', 'scaleout schedule remove 3 --yes']))
    .action(async (reference: string, options: { yes?: boolean }) => {
      const out = ctx.output();
      const api = ctx.api();
      const found = await resolveSchedule(api, reference);
      await confirm(ctx, `Remove schedule ${found.scheduleId} '${found.name}' (${packagePath(found)} at "${found.cron}" ${found.timeZone})?`, {
        yes: options.yes,
        action: 'removing a schedule',
      });
      await api.call(removeSchedule, { params: { scheduleId: found.scheduleId } });
      out.line(`Removed schedule ${found.scheduleId} '${found.name}'; the executions it started are kept.`);
    });

  schedule
    .command('run-now')
    .summary("start a schedule's execution now; its next run stays as it was")
    .description(
      "Start the schedule's execution now, with its values, placement and retries; its next run stays as it was. With " +
        '--wait, follow it as `execution run --wait` does, and exit with its outcome (0, 10, 11, 12, 13).' +
        sqlServerAgent('sp_start_job'),
    )
    .argument(...scheduleArgument)
    .option('--wait', 'wait until it ends, showing its progress and log; the exit code tells the outcome')
    .option('--timeout <duration>', 'with --wait: stop waiting after this long (exit code 13)', duration)
    .option('--json', 'print the API answer as JSON (with --wait: the final state)')
    .addHelpText('after', examples(['scaleout schedule run-now "nightly extract"', 'scaleout schedule run-now 3 --wait --timeout 1h']))
    .action(async (reference: string, options: { wait?: boolean; timeout?: number; json?: boolean }) => {
      const out = ctx.output(options);
      if (options.timeout !== undefined && !options.wait) throw usageError('--timeout goes with --wait');
      const api = ctx.api();
      const found = await resolveSchedule(api, reference);
      const started = await api.call(runScheduleNow, { params: { scheduleId: found.scheduleId } });
      if (!out.json) out.note(`Schedule ${found.scheduleId} '${found.name}' started execution ${started.executionId}.`);
      await reportStarted(ctx, ctx.executions(), out, started, options);
    });
}

/**
 * A schedule named by its ID or its name (exactly, else case-insensitively). A number that is both one schedule's
 * ID and another's name is ambiguous.
 */
export async function resolveSchedule(api: MasterApi, reference: string): Promise<ScheduleView> {
  const { schedules } = await api.call(listSchedules, {});
  const byId = /^\d+$/.test(reference.trim()) ? schedules.find((s) => s.scheduleId === Number(reference)) : undefined;
  const named = schedules.filter((s) => s.name === reference);
  const byName = named.length > 0 ? named : schedules.filter((s) => s.name.toLowerCase() === reference.toLowerCase());
  if (byId && byName.some((s) => s.scheduleId !== byId.scheduleId)) {
    throw usageError(`'${reference}' is schedule ${byId.scheduleId}'s ID and schedule ${byName[0]!.scheduleId}'s name; give the ID of the one you mean`);
  }
  if (byId) return byId;
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw usageError(`'${reference}' matches ${byName.length} schedules (${byName.map((s) => s.scheduleId).join(', ')}); give the ID`);
  throw new CliError(`schedule '${reference}' was not found (scaleout schedule list shows them)`, ExitCode.notFound);
}

/** A cron expression has 5 or 6 fields: said before anything is sent; the master checks the rest. */
function checkCronShape(cron: string): void {
  const fields = cron.trim().split(/\s+/).filter((f) => f !== '').length;
  if (fields !== 5 && fields !== 6) {
    throw usageError(`--cron '${cron}': expected 5 fields (minute hour day month weekday) or 6 (seconds first), got ${fields}`);
  }
}

/** The time zone is one this machine knows too (IANA names): said before anything is sent. */
function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw usageError(`--time-zone '${timeZone}': not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)`);
  }
}

/** The executions schedules last started, by ID; one that was cleaned up since is simply absent. */
async function lastExecutions(access: ExecutionAccess, schedules: readonly ScheduleView[]): Promise<Map<number, ExecutionSummaryView>> {
  const found = new Map<number, ExecutionSummaryView>();
  // One at a time: a page of schedules is a few dozen requests on one kept-alive connection.
  for (const id of new Set(schedules.map((s) => s.lastExecutionId).filter((id): id is number => id !== null))) {
    const execution = await access.describe(id);
    if (execution) found.set(id, execution);
  }
  return found;
}

function lastRunText(out: Output, schedule: ScheduleView, executions: ReadonlyMap<number, ExecutionSummaryView>, now: number): string {
  if (schedule.lastRunTime === null) return 'never';
  if (schedule.lastExecutionId === null) return formatAgo(schedule.lastRunTime, now);
  const execution = executions.get(schedule.lastExecutionId);
  return `${formatAgo(schedule.lastRunTime, now)}: ${schedule.lastExecutionId}${execution ? ` ${statusText(out.style, execution)}` : ''}`;
}

/** `2024-05-02 00:00:00Z (in 5 h 10 min), 02:00:00 Europe/Paris`. */
function nextRunText(schedule: ScheduleView, now: number): string {
  if (!schedule.isEnabled) return 'none: disabled';
  if (schedule.nextRunTime === null) return 'none: the cron expression never fires again';
  const local = schedule.timeZone === 'UTC' ? '' : `, ${inTimeZone(schedule.nextRunTime, schedule.timeZone)}`;
  return `${formatTime(schedule.nextRunTime, now)}${local}`;
}

async function printSchedule(out: Output, api: MasterApi, access: ExecutionAccess, schedule: ScheduleView, now: number): Promise<void> {
  const { style } = out;
  const last = await lastExecutions(access, [schedule]);
  const names = schedule.workerAgentIds.length > 0 ? await workerNames(api) : new Map<string, string>();
  const lastExecution = schedule.lastExecutionId === null ? undefined : last.get(schedule.lastExecutionId);
  out.fields([
    ['Schedule', `${schedule.scheduleId} '${schedule.name}'`],
    ['Package', packagePath(schedule)],
    ['Cron', `${schedule.cron} (${schedule.timeZone})`],
    ['Enabled', schedule.isEnabled ? 'yes' : style.yellow('no: it starts nothing until enabled')],
    ['Next run', nextRunText(schedule, now)],
    [
      'Last run',
      schedule.lastRunTime === null
        ? 'never'
        : `${formatTime(schedule.lastRunTime, now)}${schedule.lastExecutionId === null ? '' : `: execution ${schedule.lastExecutionId}${lastExecution ? `, ${statusText(style, lastExecution)}` : ''}`}`,
    ],
    ['Last error', schedule.lastError === null ? undefined : style.red(schedule.lastError)],
    ['Misfire', misfireWords[schedule.misfirePolicy]],
    ['Workers', schedule.workerAgentIds.length === 0 ? 'any worker' : `only ${schedule.workerAgentIds.map((id) => (names.has(id) ? `${names.get(id)} (${id})` : id)).join(', ')}`],
    ['Tags', schedule.requiredTags.length > 0 ? `requires ${schedule.requiredTags.join(', ')}` : undefined],
    ['Retries', String(schedule.retryCount)],
    ['Timeout', schedule.timeoutMs === null ? undefined : formatDuration(schedule.timeoutMs)],
    ['Created', `${formatTime(schedule.createdTime, now)} by ${schedule.createdBy}`],
  ]);
  const parameters = [
    ...Object.entries(schedule.parameters).map(([name, value]) => ({ name, value: String(value) })),
    ...schedule.sensitiveParameterNames.map((name) => ({ name, value: style.dim('******** (sensitive)') })),
  ];
  if (parameters.length === 0) return;
  out.line();
  out.table(parameters, [
    { header: 'PARAMETER', value: (p) => p.name },
    { header: 'VALUE', value: (p) => p.value },
  ]);
}
