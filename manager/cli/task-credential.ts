import { existsSync } from 'node:fs';
import { taskEnvironment } from '../../contracts/task-api.js';
import { configFilePath, environmentVariables, normalizeMasterUrl } from './config-file.js';
import { CliError, ExitCode } from './errors.js';
import type { CliIO } from './io.js';

/**
 * A package running on a worker has no API key: its worker hands it a task-scoped credential that may start,
 * read and stop child executions of its own execution (contracts/task-api.ts). With that credential `scaleout`
 * lets a shell or PowerShell package fan out as a node package does with `context.children`.
 */
export interface TaskConnection {
  masterUrl: string;
  credential: string;
  thumbprint: string | undefined;
  /** The calling package's execution (SCALEOUT_EXECUTION_ID); its children are what the commands reach. */
  executionId: number | undefined;
}

/** The commands a task credential allows: they act on the calling execution's children. */
export const taskCommands = ['execution run', 'execution show', 'execution stop', 'execution logs'] as const;

/**
 * The task credential, when the CLI runs inside a package: SCALEOUT_TASK_CREDENTIAL and SCALEOUT_MASTER_URL are
 * set and no API key is configured (neither SCALEOUT_API_KEY nor a connection file). An API key, when there is
 * one, always wins: it says someone connected this machine on purpose.
 */
export function resolveTaskConnection(io: Pick<CliIO, 'env' | 'platform' | 'homedir'>): TaskConnection | undefined {
  const credential = io.env[taskEnvironment.taskCredential];
  const masterUrl = io.env[taskEnvironment.masterUrl];
  if (!credential || !masterUrl) return undefined;
  if (io.env[environmentVariables.apiKey] || existsSync(configFilePath(io))) return undefined;
  const executionId = Number(io.env[taskEnvironment.executionId]);
  return {
    masterUrl: normalizeMasterUrl(masterUrl),
    credential,
    thumbprint: io.env[taskEnvironment.masterThumbprint] || undefined,
    executionId: Number.isSafeInteger(executionId) && executionId > 0 ? executionId : undefined,
  };
}

/** What a command that needs an API key says inside a package. */
export function refusedWithTaskCredential(command: string, task: TaskConnection): CliError {
  const self = task.executionId === undefined ? 'this package' : `execution ${task.executionId}`;
  return new CliError(
    `'scaleout ${command}' needs an API key; inside a package (${taskEnvironment.taskCredential} is set, no API key) scaleout ` +
      `acts only on the children of ${self}: ${taskCommands.map((c) => `scaleout ${c}`).join(', ')}`,
    ExitCode.unauthorized,
  );
}
