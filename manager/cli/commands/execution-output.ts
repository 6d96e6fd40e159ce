import type { EventMessageView, ExecutionSummaryView, ExecutionView } from '../../../contracts/management/views.js';
import { formatDuration, formatTime } from '../output/format.js';
import type { Output } from '../output/output.js';
import type { Style } from '../output/style.js';
import type { Descendant } from './execution-access.js';

/** A status name colored by outcome. */
export function statusText(style: Style, execution: Pick<ExecutionSummaryView, 'status' | 'statusName'>): string {
  switch (execution.status) {
    case 7:
    case 9:
      return style.green(execution.statusName);
    case 4:
    case 6:
      return style.red(execution.statusName);
    case 3:
    case 8:
      return style.yellow(execution.statusName);
    default:
      return execution.statusName;
  }
}

const levels: Record<EventMessageView['messageTypeName'], string> = {
  error: 'ERROR',
  warning: 'WARN',
  information: 'INFO',
  progress: 'PROG',
  other: '-',
};

/**
 * `2024-05-01T10:00:01.123Z INFO  [p3] stdout: extracting /in.csv`: the label names the child execution a line
 * comes from, so a parent's log and its children's read as one.
 */
export function eventLine(style: Style, event: EventMessageView, label?: string): string {
  const level = levels[event.messageTypeName].padEnd(5);
  const colored = event.messageTypeName === 'error' ? style.red(level) : event.messageTypeName === 'warning' ? style.yellow(level) : style.dim(level);
  const source = label === undefined ? '' : `${style.cyan(`[${label}]`)} `;
  return `${style.dim(event.messageTime)} ${colored} ${source}${event.messageSourceName}: ${event.message}`;
}

/** How long it ran (or has been running). */
export function elapsed(execution: Pick<ExecutionSummaryView, 'startTime' | 'endTime' | 'createdTime'>, now: number): string | undefined {
  if (execution.startTime === null) return undefined;
  const end = execution.endTime === null ? now : Date.parse(execution.endTime);
  return formatDuration(end - Date.parse(execution.startTime));
}

export function packagePath(execution: Pick<ExecutionSummaryView, 'folderName' | 'projectName' | 'packageName'>): string {
  return `${execution.folderName}/${execution.projectName}/${execution.packageName}`;
}

/** What `execution show` knows around the execution: names of workers, its parent, the schedule that started it. */
export interface ExecutionSurroundings {
  workerNames: ReadonlyMap<string, string>;
  /** Its children and theirs, depth first. */
  descendants: readonly Descendant[];
  /** The parent's summary, when the credential can read it. */
  parent?: ExecutionSummaryView | undefined;
  /** The parent is the package's own execution (task credential). */
  parentIsSelf?: boolean;
  scheduleName?: string | undefined;
}

export function printExecution(out: Output, execution: ExecutionView, around: ExecutionSurroundings, now: number): void {
  const { style } = out;
  const { workerNames } = around;
  const workerLabel = (id: string, name: string | null | undefined): string => (name ? `${name} (${id})` : id);
  const ranOn = (run: { workerAgentId: string | null; workerDisplayName: string | null }): string =>
    run.workerAgentId === null ? '-' : workerLabel(run.workerAgentId, run.workerDisplayName);
  const took = elapsed(execution, now);
  const parent = around.parent;
  out.fields([
    ['Execution', String(execution.executionId)],
    ['Package', packagePath(execution)],
    ['Status', `${statusText(style, execution)} (${execution.status})${execution.statusMessage ? `: ${execution.statusMessage}` : ''}`],
    ['Waiting', execution.waitingReason ? style.yellow(execution.waitingReason) : undefined],
    ['Created', `${formatTime(execution.createdTime, now)} by ${execution.createdBy}`],
    ['Started', execution.startTime === null ? undefined : formatTime(execution.startTime, now)],
    ['Ended', execution.endTime === null ? undefined : formatTime(execution.endTime, now)],
    ['Duration', took === undefined ? undefined : `${took}${execution.endTime === null ? ' so far' : ''}`],
    ['Workers', execution.useAnyWorker ? 'any worker' : `only ${execution.workerAgentIds.map((id) => workerLabel(id, workerNames.get(id))).join(', ') || '(none added yet)'}`],
    ['Tags', execution.requiredTags.length > 0 ? `requires ${execution.requiredTags.join(', ')}` : undefined],
    ['Retries', `${execution.retryCount} allowed, ${execution.attemptCount} attempt(s)`],
    ['Timeout', execution.timeoutMs === null ? undefined : formatDuration(execution.timeoutMs)],
    [
      'Parent',
      execution.parentExecutionId === null
        ? undefined
        : parent
          ? `${parent.executionId} ${packagePath(parent)}, ${statusText(style, parent)}`
          : `${execution.parentExecutionId}${around.parentIsSelf ? " (this package's execution)" : ''}`,
    ],
    ['Schedule', execution.scheduleId === null ? undefined : `${execution.scheduleId}${around.scheduleName ? ` ${around.scheduleName}` : ''}`],
    ['Children', execution.children.length === 0 ? undefined : childrenSummary(execution.children)],
  ]);
  if (execution.parameters.length > 0) {
    out.line();
    out.table(execution.parameters, [
      { header: 'PARAMETER', value: (p) => p.name },
      { header: 'VALUE', value: (p) => (p.sensitive ? style.dim('******** (sensitive)') : p.value === null ? '-' : String(p.value)) },
    ]);
  }
  if (execution.attempts.length > 0) {
    out.line();
    out.table(execution.attempts, [
      { header: 'ATTEMPT', value: (a) => String(a.attemptNumber), right: true },
      { header: 'STATE', value: (a) => a.state + (a.cancelRequested && a.endTime === null ? ' (cancel requested)' : '') },
      { header: 'WORKER', value: ranOn },
      { header: 'CLAIMED', value: (a) => (a.claimedTime === null ? '-' : formatTime(a.claimedTime, now)) },
      { header: 'ENDED', value: (a) => (a.endTime === null ? '-' : formatTime(a.endTime, now)) },
      { header: 'EXIT', value: (a) => (a.exitCode === null ? '-' : String(a.exitCode)), right: true },
      { header: 'MESSAGE', value: (a) => a.resultMessage ?? '-' },
    ]);
  }
  if (around.descendants.length > 0) {
    out.line();
    // The tree: each child indented under its parent.
    out.table(around.descendants, [
      { header: 'CHILD', value: ({ execution: c, depth }) => `${'  '.repeat(depth)}${c.executionId}` },
      { header: 'KEY', value: ({ execution: c }) => c.childKey ?? '-' },
      { header: 'STATUS', value: ({ execution: c }) => statusText(style, c) },
      { header: 'PACKAGE', value: ({ execution: c }) => packagePath(c) },
      { header: 'WORKER', value: ({ execution: c }) => ranOn(c) },
      { header: 'DURATION', value: ({ execution: c }) => elapsed(c, now) ?? '-' },
      { header: 'MESSAGE', value: ({ execution: c }) => c.statusMessage ?? '-' },
    ]);
  }
}

/** `8: 6 succeeded, 1 failed, 1 running`. */
function childrenSummary(children: readonly ExecutionSummaryView[]): string {
  const counts = new Map<string, number>();
  for (const child of children) counts.set(child.statusName, (counts.get(child.statusName) ?? 0) + 1);
  return `${children.length}: ${[...counts].map(([name, count]) => `${count} ${name}`).join(', ')}`;
}
