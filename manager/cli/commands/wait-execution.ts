import type { ExecutionView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { CliError, ExitCode, isAbort } from '../errors.js';
import { formatDuration } from '../output/format.js';
import type { Output } from '../output/output.js';
import { elapsed, eventLine, packagePath, statusText } from './execution-output.js';
import type { ExecutionAccess } from './execution-access.js';
import { followExecution, isEnded, type FollowHandlers } from './follow-execution.js';

/**
 * After start_execution: without --wait, say where the execution stands; with --wait, show its progress (status
 * and why it waits, each attempt and its worker, the log lines as they arrive) until it ends, and turn the outcome
 * into the exit code: 0 succeeded, 10 failed, 11 canceled, 12 ended unexpectedly, 13 timed out waiting. The log
 * lines of the children it starts are shown too, each naming its execution; the outcome is the execution's own.
 */
export async function reportStarted(
  ctx: CommandContext,
  access: ExecutionAccess,
  out: Output,
  started: ExecutionView,
  options: { wait?: boolean | undefined; timeout?: number | undefined },
): Promise<void> {
  const id = started.executionId;
  if (!options.wait) {
    if (out.json) return out.data(started);
    out.line(`Started execution ${id} of ${packagePath(started)}: ${started.statusName}${started.waitingReason ? `, ${started.waitingReason}` : ''}.`);
    out.line(`Follow it: scaleout execution logs ${id} --follow`);
    return;
  }
  // Progress is for the human: with --json it goes to stderr, leaving stdout to the final answer.
  const say = (text: string): void => (out.json ? out.note(text) : out.line(text));
  say(`Started execution ${id} of ${packagePath(started)}.`);
  let lastState = '';
  const attemptsSeen = new Map<number, string>();
  const handlers: FollowHandlers = {
    onEvents: (events, labelOf) => {
      for (const event of events) say(`  ${eventLine(out.style, event, labelOf(event))}`);
    },
    onExecution: (execution) => {
      const state = `${execution.status}|${execution.waitingReason ?? ''}`;
      if (state !== lastState && !isEnded(execution.status)) {
        say(`Execution ${id} is ${statusText(out.style, execution)}${execution.waitingReason ? `: ${execution.waitingReason}` : ''}.`);
      }
      lastState = state;
      for (const attempt of execution.attempts) {
        if (attempt.workerAgentId === null) continue;
        const seen = attemptsSeen.get(attempt.attemptNumber);
        if (seen === undefined) {
          const retry = attempt.attemptNumber > 1 ? ` (retry ${attempt.attemptNumber - 1} of ${execution.retryCount})` : '';
          say(`Attempt ${attempt.attemptNumber} runs on ${attempt.workerDisplayName ?? attempt.workerAgentId}${retry}.`);
        }
        const over = ['failed', 'canceled', 'lost'].includes(attempt.state);
        if (over && seen !== attempt.state && !isEnded(execution.status)) {
          const exit = attempt.exitCode === null ? '' : ` (exit code ${attempt.exitCode})`;
          say(`Attempt ${attempt.attemptNumber} ${attempt.state}${exit}${attempt.resultMessage ? `: ${attempt.resultMessage}` : ''}.`);
        }
        attemptsSeen.set(attempt.attemptNumber, attempt.state);
      }
    },
  };
  // The answer to create/start already says where it stands: show it at once.
  handlers.onExecution?.(started);
  let result;
  try {
    result = await followExecution(ctx, access, id, handlers, { timeoutMs: options.timeout });
  } catch (error) {
    if ((error instanceof CliError && error.exitCode === ExitCode.interrupted) || isAbort(error)) {
      throw new CliError(`stopped waiting; execution ${id} goes on (stop it: scaleout execution stop ${id})`, ExitCode.interrupted);
    }
    throw error;
  }
  const { execution } = result;
  if (result.timedOut) {
    throw new CliError(
      `timed out after ${formatDuration(options.timeout!)} waiting for execution ${id}, which is ${execution.statusName}; it goes on (scaleout execution show ${id})`,
      ExitCode.waitTimedOut,
    );
  }
  if (out.json) out.data(execution);
  const took = elapsed(execution, ctx.io.clock.now());
  const message = execution.statusMessage ? `: ${execution.statusMessage}` : '';
  switch (execution.status) {
    case 7:
    case 9:
      if (!out.json) out.line(`Execution ${id} ${out.style.green(execution.statusName)}${took ? ` in ${took}` : ''}${message}.`);
      return;
    case 4:
      throw new CliError(`execution ${id} failed${took ? ` after ${took}` : ''}${message}`, ExitCode.executionFailed);
    case 3:
      throw new CliError(`execution ${id} was canceled${message}`, ExitCode.executionCanceled);
    default:
      throw new CliError(`execution ${id} ended unexpectedly${message}`, ExitCode.executionEndedUnexpectedly);
  }
}
