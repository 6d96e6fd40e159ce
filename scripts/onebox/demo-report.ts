import type { ExecutionSummaryView } from '../../contracts/management/views.js';
import type { BatchOutcome, BatchProgress } from './demo-batch.js';

/** A progress bar: redrawn in place on a terminal, otherwise one line whenever it changes. */
export function progressBar(write: (text: string) => void, isTerminal: boolean): { update(progress: BatchProgress): void; done(): void } {
  let last = '';
  return {
    update({ ended, running, waiting, total }) {
      const width = 30;
      const filled = Math.round((width * ended) / Math.max(total, 1));
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${ended}/${total} ended, ${running} running, ${waiting} waiting`;
      if (line === last) return;
      last = line;
      write(isTerminal ? `\r${line}` : `${line}\n`);
    },
    done() {
      if (isTerminal && last !== '') write('\n');
    },
  };
}

/** A plain text table, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function durationMs(execution: ExecutionSummaryView): number | undefined {
  if (!execution.startTime || !execution.endTime) return undefined;
  return Date.parse(execution.endTime) - Date.parse(execution.startTime);
}

/** The demo's summary: every planned execution and its check, then all executions by status, worker and package. */
export function demoSummary(outcome: BatchOutcome, workerNames: Map<string, string>): string {
  const planned = table(
    ['execution', 'package', 'expected', 'status', 'attempts', 'check'],
    outcome.planned.map(({ plan, execution, problem }) => [
      String(execution.executionId),
      `${plan.packagePath} (${plan.label})`,
      plan.expect,
      execution.statusName,
      String(execution.attempts.length),
      problem === undefined ? 'ok' : `NOT AS EXPECTED: ${problem}`,
    ]),
  );
  const count = (key: (e: ExecutionSummaryView) => string): [string, number][] => {
    const counts = new Map<string, number>();
    for (const execution of outcome.all) counts.set(key(execution), (counts.get(key(execution)) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1]);
  };
  const byStatus = table(['status', 'executions'], count((e) => e.statusName).map(([status, n]) => [status, String(n)]));
  const byWorker = table(
    ['worker (latest attempt)', 'executions'],
    count((e) => (e.workerAgentId ? (workerNames.get(e.workerAgentId) ?? e.workerAgentId) : '(none: never claimed)')).map(([worker, n]) => [worker, String(n)]),
  );
  const packages = [...new Set(outcome.all.map((e) => `${e.folderName}/${e.projectName}/${e.packageName}`))].sort();
  const durations = table(
    ['package', 'executions', 'min', 'median', 'max'],
    packages.map((name) => {
      const times = outcome.all
        .filter((e) => `${e.folderName}/${e.projectName}/${e.packageName}` === name)
        .map(durationMs)
        .filter((ms): ms is number => ms !== undefined)
        .sort((a, b) => a - b);
      const executions = outcome.all.filter((e) => `${e.folderName}/${e.projectName}/${e.packageName}` === name).length;
      if (times.length === 0) return [name, String(executions), '-', '-', '-'];
      return [name, String(executions), seconds(times[0]!), seconds(times[Math.floor(times.length / 2)]!), seconds(times.at(-1)!)];
    }),
  );
  return [
    'Executions started by the demo:',
    planned,
    '',
    `All ${outcome.all.length} executions (children included), by status:`,
    byStatus,
    '',
    'By worker:',
    byWorker,
    '',
    'Durations (start to end):',
    durations,
  ].join('\n');
}
