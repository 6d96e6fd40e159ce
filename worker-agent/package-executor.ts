import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClaimedTask } from '../contracts/worker-protocol.js';
import type { ArchiveCache } from './archive-cache.js';
import type { AgentClock } from './clock.js';
import { packagePidFileName } from './leftover-tasks.js';
import { packageEnvironment, writeParametersFile, type MasterForPackages } from './runners/package-environment.js';
import { runPackageProcess, type PackageExit, type PackageOutput } from './runners/run-package.js';
import { PackageLaunchError, type PackageRunner } from './runners/runner.js';
import { abortOf } from './task-abort.js';

export interface ExecutionContext {
  /** Aborted with a TaskAbort to stop the package. */
  signal: AbortSignal;
  output: PackageOutput;
  /** A message from the worker itself about this attempt (shipped as an event message). */
  note(message: string): void;
}

/**
 * Runs one leased task's package from start to end. The dispatcher depends on this interface only, so its tests
 * use a package they control; the real one is LocalPackageExecutor.
 */
export interface PackageExecutor {
  /**
   * Resolves with how the package ended (also when it was aborted); rejects when it could not be started at all
   * (archive refused, runner unavailable, program missing): the task has failed.
   */
  execute(task: ClaimedTask, context: ExecutionContext): Promise<PackageExit>;
}

export interface LocalPackageExecutorOptions {
  /** `<TasksRootFolder>/tasks`: one folder per attempt, removed when it ends. */
  tasksFolder: string;
  archives: ArchiveCache;
  runners: readonly PackageRunner[];
  clock: AgentClock;
  /** TaskCancelGracePeriod. */
  graceMs: number;
  /** The environment packages inherit. @default process.env */
  baseEnv?: NodeJS.ProcessEnv;
  /** What packages are told of the master, to start child executions with their task credential. */
  master: MasterForPackages;
}

/**
 * The real executor: fetches and unpacks the project (once per archive), gives the attempt its own folder with a
 * copy of the project and the parameters file, asks the task's runner how to start it, and runs it.
 */
export class LocalPackageExecutor implements PackageExecutor {
  readonly #runners: Map<string, PackageRunner>;

  constructor(private readonly options: LocalPackageExecutorOptions) {
    this.#runners = new Map(options.runners.map((runner) => [runner.name, runner]));
  }

  async execute(task: ClaimedTask, context: ExecutionContext): Promise<PackageExit> {
    const runner = this.#runners.get(task.runner);
    if (!runner) throw new PackageLaunchError(`this worker has no ${task.runner} runner`);
    const unpacked = await this.options.archives.unpacked(task.archive);
    if (context.signal.aborted) return { exitCode: null, signal: null, abort: abortOf(context.signal) };

    const taskDir = join(this.options.tasksFolder, `${task.taskId}.${task.attemptNumber}`);
    const projectDir = join(taskDir, 'project');
    await rm(taskDir, { recursive: true, force: true });
    await mkdir(taskDir, { recursive: true, mode: 0o700 });
    try {
      await cp(unpacked, projectDir, { recursive: true });
      const parametersFile = await writeParametersFile(taskDir, task.parameters);
      const { env, notInEnvironment } = packageEnvironment(
        task,
        { taskDir, projectDir, parametersFile },
        this.options.baseEnv ?? process.env,
        this.options.master,
      );
      if (notInEnvironment.length > 0) {
        context.note(`parameters ${notInEnvironment.join(', ')} contain a NUL character: they are in the parameters file only`);
      }
      const launch = await runner.launch({ task, projectDir, taskDir, env });
      return await runPackageProcess(launch, {
        signal: context.signal,
        output: context.output,
        graceMs: this.options.graceMs,
        clock: this.options.clock,
        onStarted: (pid) => writeFile(join(taskDir, packagePidFileName), `${pid}\n`),
      });
    } finally {
      await rm(taskDir, { recursive: true, force: true, maxRetries: 3 });
    }
  }
}
