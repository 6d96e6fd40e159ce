import { createMasterApi, createTaskApi, type ApiCaller, type MasterApi } from './client.js';
import { managementAccess, taskAccess, type ExecutionAccess } from './commands/execution-access.js';
import { resolveConnection } from './config-file.js';
import type { CliIO } from './io.js';
import { Output } from './output/output.js';
import { refusedWithTaskCredential, resolveTaskConnection, taskCommands, type TaskConnection } from './task-credential.js';

export interface Timing {
  /** How often `--wait` and `logs --follow` ask the master. @default 1000 */
  pollIntervalMs: number;
  /** After an execution ends, how long no new log line must arrive before following stops. @default 2000 */
  quietMs: number;
}

export const defaultTiming: Timing = { pollIntervalMs: 1000, quietMs: 2000 };

/**
 * What every command gets: its I/O, the master (connected on first use) and an output for its mode. Inside a
 * package (a task credential and no API key) only the commands that act on child executions may run.
 */
export class CommandContext {
  #api: MasterApi | undefined;
  #taskApi: ApiCaller | undefined;
  #task: TaskConnection | undefined;
  #command = '';

  constructor(
    readonly io: CliIO,
    readonly timing: Timing,
  ) {}

  /** Called before a command's action, with its name (`execution run`): refuses it when the credential cannot. */
  begin(command: string): void {
    this.#command = command;
    this.#task = resolveTaskConnection(this.io);
    if (this.#task && !(taskCommands as readonly string[]).includes(command)) throw refusedWithTaskCredential(command, this.#task);
  }

  /** The management API with the configured API key. */
  api(): MasterApi {
    if (this.#task) throw refusedWithTaskCredential(this.#command, this.#task);
    this.#api ??= createMasterApi(resolveConnection(this.io), this.io.signal ? { signal: this.io.signal } : {});
    return this.#api;
  }

  /** Executions as this CLI may reach them: any, with an API key; the package's children, with a task credential. */
  executions(): ExecutionAccess {
    if (!this.#task) return managementAccess(this.api());
    this.#taskApi ??= createTaskApi(this.#task, this.io.signal ? { signal: this.io.signal } : {});
    return taskAccess(this.#taskApi, this.#task);
  }

  output(options: { json?: boolean | undefined } = {}): Output {
    return new Output(this.io, { json: options.json === true });
  }

  close(): void {
    this.#api?.close();
    this.#api = undefined;
    this.#taskApi?.close();
    this.#taskApi = undefined;
  }
}
