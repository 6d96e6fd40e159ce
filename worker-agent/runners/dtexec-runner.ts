import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PackageLaunchError, resolveInProject, type PackageLaunch, type PackageRunner, type RunnerRequest } from './runner.js';

export interface DtexecRunnerOptions {
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** Finds DTExec.exe. @default the SQL Server folders under %ProgramFiles%, newest first */
  locateDtexec?: () => Promise<string | undefined>;
}

/** SQL Server versions whose DTExec runs .dtsx packages, newest first (160 = 2022 … 130 = 2016). */
const sqlServerVersions = ['170', '160', '150', '140', '130'];

/**
 * `dtexec` packages: a real SSIS package (.dtsx) on a Windows worker with SQL Server Integration Services,
 * run as `DTExec.exe /F <package> /Par "$Package::Name";value … <manifest arguments (e.g. /Set …)>`.
 * Parameter names may carry their scope (`$Project::Name`); without one they are package parameters.
 * Elsewhere the task fails and says why.
 */
export class DtexecRunner implements PackageRunner {
  readonly name = 'dtexec';
  readonly #platform: NodeJS.Platform;
  readonly #locate: () => Promise<string | undefined>;

  constructor(options: DtexecRunnerOptions = {}) {
    this.#platform = options.platform ?? process.platform;
    this.#locate = options.locateDtexec ?? (() => locateInstalledDtexec(process.env));
  }

  async launch(request: RunnerRequest): Promise<PackageLaunch> {
    if (this.#platform !== 'win32') {
      throw new PackageLaunchError(
        `dtexec packages run only on Windows workers with SQL Server Integration Services installed; this worker runs ${this.#platform}`,
      );
    }
    const dtexec = await this.#locate();
    if (!dtexec) {
      throw new PackageLaunchError(
        'DTExec.exe was not found: install SQL Server Integration Services on this worker, or set SCALEOUT_DTEXEC to its path',
      );
    }
    const packagePath = resolveInProject(request.projectDir, request.task.entry);
    return {
      command: dtexec,
      args: ['/F', packagePath, ...dtexecParameterArguments(request.task.parameters), ...request.task.arguments],
      cwd: request.projectDir,
      env: request.env,
      ipc: false,
    };
  }
}

/** `/Par` arguments, one per parameter; each is one argv element, never parsed by a shell. */
export function dtexecParameterArguments(parameters: Record<string, string | number | boolean>): string[] {
  return Object.entries(parameters).flatMap(([name, value]) => {
    const scoped = /^\$(Package|Project|ServerOption)::/i.test(name) ? name : `$Package::${name}`;
    return ['/Par', `${scoped};${typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value)}`];
  });
}

async function locateInstalledDtexec(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidates = [
    env.SCALEOUT_DTEXEC,
    ...[env.ProgramFiles, env['ProgramFiles(x86)']].flatMap((root) =>
      root ? sqlServerVersions.map((version) => join(root, 'Microsoft SQL Server', version, 'DTS', 'Binn', 'DTExec.exe')) : [],
    ),
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      await access(candidate);
      return candidate;
    } catch {
      // Not installed there.
    }
  }
  return undefined;
}
