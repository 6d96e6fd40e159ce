import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inSingleFile, packageHostArgument } from '../single-file.js';
import { PackageLaunchError, resolveInProject, type PackageLaunch, type PackageRunner, type RunnerRequest } from './runner.js';

export interface NodeRunnerOptions {
  /** The compiled host that loads the package module. @default node-package-host.js beside this file (the single-file executable hosts packages itself) */
  hostScript?: string;
  /** @default process.execPath */
  nodePath?: string;
  /** @default process.versions.node */
  nodeVersion?: string;
}

/**
 * `node` packages: a JavaScript module whose default export is called with (parameters, context), in a child
 * process of its own. TypeScript modules run where Node can strip types (22.6 and later).
 */
export class NodeRunner implements PackageRunner {
  readonly name = 'node';
  /** What follows node's own flags: the host script, or the single-file executable's package-host argument. */
  readonly #hostArgs: string[];
  readonly #nodePath: string;
  readonly #nodeVersion: string;

  constructor(options: NodeRunnerOptions = {}) {
    this.#hostArgs = options.hostScript
      ? [options.hostScript]
      : inSingleFile
        ? [packageHostArgument]
        : [fileURLToPath(new URL('./node-package-host.js', import.meta.url))];
    this.#nodePath = options.nodePath ?? process.execPath;
    this.#nodeVersion = options.nodeVersion ?? process.versions.node;
  }

  async launch(request: RunnerRequest): Promise<PackageLaunch> {
    const modulePath = resolveInProject(request.projectDir, request.task.entry);
    return {
      command: this.#nodePath,
      args: [...this.#typeScriptFlags(modulePath), ...this.#hostArgs, modulePath, ...request.task.arguments],
      cwd: request.projectDir,
      env: request.env,
      ipc: true,
    };
  }

  #typeScriptFlags(modulePath: string): string[] {
    if (!/\.[cm]?ts$/.test(modulePath)) return [];
    const [major = 0, minor = 0] = this.#nodeVersion.split('.').map(Number);
    if (major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) return []; // stripped by default
    if (major > 22 || (major === 22 && minor >= 6)) return ['--experimental-strip-types'];
    throw new PackageLaunchError(
      `${basename(modulePath)} is TypeScript, which needs Node.js 22.6 or later on the worker (this worker runs ${this.#nodeVersion}): ship the package as JavaScript or upgrade Node.js`,
    );
  }
}
