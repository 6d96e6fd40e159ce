import type { Command } from 'commander';
import { usageError } from '../errors.js';
import { collect, duration, wholeNumber } from './options.js';

/** The options that say what a run gets and where it may go: shared by `execution run|create` and `schedule create`. */
export interface RunOptions {
  param?: string[];
  worker?: string[];
  tag?: string[];
  packageTimeout?: number;
  retry?: number;
}

/** Adds --param, --worker, --tag, --package-timeout and, with `retry`, --retry. */
export function withRunOptions(command: Command, options: { retry: boolean; workerHint?: string }): Command {
  command
    .option('--param <name=value>', 'a parameter value (repeatable); the master checks it against the declared type', collect)
    .option('--worker <worker>', options.workerHint ?? 'a worker allowed to run it (repeatable; default: any worker)', collect)
    .option('--tag <tag>', 'a tag every worker running it must have (repeatable)', collect)
    .option('--package-timeout <duration>', "stop the package after this long (overrides the package's timeout)", duration);
  if (options.retry) command.option('--retry <n>', 'retries after a failed or lost attempt (0-10)', wholeNumber, 0);
  return command;
}

/** `--param k=v` pairs; values stay strings and the master converts them to the declared types. */
export function parseParameters(list: readonly string[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const parameters: Record<string, string> = {};
  for (const item of list) {
    const [name, value] = splitAssignment(item, '--param');
    if (Object.keys(parameters).some((k) => k.toLowerCase() === name.toLowerCase())) throw usageError(`--param ${name} is given twice`);
    parameters[name] = value;
  }
  return parameters;
}

export function splitAssignment(text: string, what: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw usageError(`${what} '${text}': expected NAME=VALUE`);
  return [text.slice(0, at).trim(), text.slice(at + 1)];
}
