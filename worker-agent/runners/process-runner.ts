import { stat } from 'node:fs/promises';
import { PackageLaunchError, resolveInProject, type PackageLaunch, type PackageRunner, type RunnerRequest } from './runner.js';

/**
 * `process` packages: any program with the manifest's arguments — a script or executable in the project
 * (`bin/load.sh`), or a program on the worker's PATH named bare (`python3` with arguments `["load.py"]`).
 * Started without a shell: arguments reach the program as they are, and parameters come through the environment.
 */
export class ProcessRunner implements PackageRunner {
  readonly name = 'process';

  async launch(request: RunnerRequest): Promise<PackageLaunch> {
    const { entry } = request.task;
    const command = (await isFileInProject(request.projectDir, entry)) ? resolveInProject(request.projectDir, entry) : entry;
    if (command === entry && /[\\/]/.test(entry)) {
      throw new PackageLaunchError(`the package entry ${JSON.stringify(entry)} is not in the project`);
    }
    if (process.platform === 'win32' && /\.(cmd|bat)$/i.test(command)) {
      throw new PackageLaunchError(
        `${entry} is a batch file, which only cmd.exe can run: use entry "cmd.exe" with arguments ["/d", "/c", "${entry}"]`,
      );
    }
    return { command, args: [...request.task.arguments], cwd: request.projectDir, env: request.env, ipc: false };
  }
}

async function isFileInProject(projectDir: string, entry: string): Promise<boolean> {
  try {
    return (await stat(resolveInProject(projectDir, entry))).isFile();
  } catch {
    return false;
  }
}
