import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskEnvironment } from '../../contracts/task-api.js';
import type { ClaimedTask } from '../../contracts/worker-protocol.js';

/**
 * How parameter values reach a package: as environment variables (`SCALEOUT_PARAM_<name>`) and as a JSON file
 * (`SCALEOUT_PARAMETERS_FILE`), never spliced into a command line, so no value can be read as a command.
 */
export const parametersFileName = 'parameters.json';

/** `SCALEOUT_PARAM_` + the name with every character other than a letter, digit or `_` replaced by `_`. */
export function parameterVariableName(name: string): string {
  return `SCALEOUT_PARAM_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** Writes the parameter values, exactly as the master sent them, readable by the worker's account only. */
export async function writeParametersFile(taskDir: string, parameters: ClaimedTask['parameters']): Promise<string> {
  const path = join(taskDir, parametersFileName);
  await writeFile(path, JSON.stringify(parameters, null, 2), { mode: 0o600, flag: 'wx' });
  return path;
}

export interface PackageEnvironment {
  env: Record<string, string>;
  /** Parameters that could not be set as variables (a NUL character); they are in the JSON file only. */
  notInEnvironment: string[];
}

/** How a package reaches the master for its task API (child executions). */
export interface MasterForPackages {
  url: string;
  /** The pinned master certificate's thumbprint, when the worker pins one. */
  thumbprint?: string | undefined;
}

/**
 * The package's environment: the agent's own (without its SCALEOUT_* settings), the task's identity and folders,
 * the master's address with the task's credential (contracts/task-api.ts), and one variable per parameter.
 */
export function packageEnvironment(
  task: ClaimedTask,
  paths: { taskDir: string; projectDir: string; parametersFile: string },
  base: NodeJS.ProcessEnv,
  master: MasterForPackages,
): PackageEnvironment {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !name.toUpperCase().startsWith('SCALEOUT_')) env[name] = value;
  }
  Object.assign(env, {
    SCALEOUT_TASK_ID: String(task.taskId),
    SCALEOUT_ATTEMPT_NUMBER: String(task.attemptNumber),
    [taskEnvironment.executionId]: String(task.executionId),
    [taskEnvironment.masterUrl]: master.url,
    [taskEnvironment.taskCredential]: task.taskCredential,
    ...(master.thumbprint ? { [taskEnvironment.masterThumbprint]: master.thumbprint } : {}),
    SCALEOUT_FOLDER_NAME: task.folderName,
    SCALEOUT_PROJECT_NAME: task.projectName,
    SCALEOUT_PACKAGE_NAME: task.packageName,
    SCALEOUT_TASK_DIR: paths.taskDir,
    SCALEOUT_PROJECT_DIR: paths.projectDir,
    SCALEOUT_PARAMETERS_FILE: paths.parametersFile,
  });
  const notInEnvironment: string[] = [];
  for (const [name, value] of Object.entries(task.parameters)) {
    const text = String(value);
    if (text.includes('\0')) notInEnvironment.push(name);
    else env[parameterVariableName(name)] = text;
  }
  return { env, notInEnvironment };
}
