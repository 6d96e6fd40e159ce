import { isAbsolute, relative, resolve } from 'node:path';
import type { ClaimedTask } from '../../contracts/worker-protocol.js';

/**
 * A runner turns a claimed task into one process to start: which program, which arguments, which environment.
 * Starting it, streaming its output and stopping its tree is the same for every runner (run-package.ts).
 */
export interface PackageRunner {
  readonly name: ClaimedTask['runner'];
  launch(request: RunnerRequest): Promise<PackageLaunch>;
}

export interface RunnerRequest {
  task: ClaimedTask;
  /** This task's copy of the unpacked project: the package's working directory. */
  projectDir: string;
  /** This task's folder under TasksRootFolder (holds `projectDir` and the parameters file). */
  taskDir: string;
  /** The package's environment: the agent's, plus the task's and the parameters' variables. */
  env: Record<string, string>;
}

export interface PackageLaunch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Open an IPC channel for structured events (the node runner). */
  ipc: boolean;
}

/** The package cannot be started on this worker; the task fails with this message. */
export class PackageLaunchError extends Error {
  constructor(message: string, options?: { cause?: Error }) {
    super(message, options);
    this.name = 'PackageLaunchError';
  }
}

/** The absolute path of a file the manifest names, refusing any that would leave the project. */
export function resolveInProject(projectDir: string, entry: string): string {
  const target = resolve(projectDir, entry);
  const inside = relative(projectDir, target);
  if (entry.trim() === '' || isAbsolute(entry) || inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new PackageLaunchError(`the package entry ${JSON.stringify(entry)} is not a file inside the project`);
  }
  return target;
}
