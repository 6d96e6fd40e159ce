import type { ClaimedTask } from '../../../contracts/worker-protocol.js';
import type { ExecutionContext, PackageExecutor } from '../../../worker-agent/package-executor.js';
import type { PackageExit } from '../../../worker-agent/runners/run-package.js';
import { abortOf, type TaskAbort } from '../../../worker-agent/task-abort.js';

export interface FakeRun {
  task: ClaimedTask;
  context: ExecutionContext;
  /** The abort that reached the package, if one did. */
  abort: TaskAbort | undefined;
  /** Ends the package with this exit code. */
  exit(code: number): void;
  ended: boolean;
}

/**
 * A package the test controls, for the dispatcher's tests: it runs until `exit()` or until it is aborted (then it
 * ends as a killed process would, with the abort).
 */
export class FakeExecutor implements PackageExecutor {
  readonly runs: FakeRun[] = [];

  execute(task: ClaimedTask, context: ExecutionContext): Promise<PackageExit> {
    return new Promise<PackageExit>((resolve) => {
      const run: FakeRun = {
        task,
        context,
        abort: undefined,
        ended: false,
        exit: (code) => {
          run.ended = true;
          resolve({ exitCode: code, signal: null, abort: abortOf(context.signal) });
        },
      };
      this.runs.push(run);
      context.signal.addEventListener('abort', () => {
        run.abort = abortOf(context.signal);
        run.ended = true;
        resolve({ exitCode: null, signal: run.abort?.immediate ? 'SIGKILL' : 'SIGTERM', abort: run.abort });
      });
    });
  }

  get running(): FakeRun[] {
    return this.runs.filter((r) => !r.ended);
  }

  runOf(taskId: number): FakeRun {
    const run = this.runs.find((r) => r.task.taskId === taskId);
    if (!run) throw new Error(`task ${taskId} has not started`);
    return run;
  }
}
