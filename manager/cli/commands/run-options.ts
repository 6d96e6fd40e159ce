import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ParameterValue } from '../../../contracts/common.js';
import { toError, usageError } from '../errors.js';
import { collect, duration, wholeNumber } from './options.js';

/** The options that say what a run gets and where it may go: shared by `execution run|create` and `schedule create`. */
export interface RunOptions {
  param?: string[];
  paramFile?: string;
  worker?: string[];
  tag?: string[];
  packageTimeout?: number;
  retry?: number;
  environment?: string;
}

/** Adds --param, --param-file, --environment, --worker, --tag, --package-timeout and, with `retry`, --retry. */
export function withRunOptions(command: Command, options: { retry: boolean; workerHint?: string }): Command {
  command
    .option('--param <name=value>', 'a parameter value (repeatable); the master checks it against the declared type', collect)
    .option('--param-file <file.json>', 'parameter values from a JSON object, e.g. {"SourcePath": "/in.csv", "BatchSize": 500}; --param wins')
    .option(
      '--environment <folder/env>',
      "take the parameters configured on the project (scaleout project configure) from this referenced environment's variables; --param still wins",
    )
    .option('--worker <worker>', options.workerHint ?? 'a worker allowed to run it (repeatable; default: any worker)', collect)
    .option('--tag <tag>', 'a tag every worker running it must have (repeatable)', collect)
    .option('--package-timeout <duration>', "stop the package after this long (overrides the package's timeout)", duration);
  if (options.retry) command.option('--retry <n>', 'retries after a failed or lost attempt (0-10)', wholeNumber, 0);
  return command;
}

/**
 * The parameter values of `--param-file` (a JSON object, values typed as JSON: string, number, boolean) and then
 * `--param k=v` (strings the master converts to the declared types), a `--param` replacing the file's value of the
 * same name. Undefined when neither is given.
 */
export function parseParameters(options: Pick<RunOptions, 'param' | 'paramFile'>, cwd: string): Record<string, ParameterValue> | undefined {
  if (!options.param && options.paramFile === undefined) return undefined;
  const parameters: Record<string, ParameterValue> = options.paramFile === undefined ? {} : readParameterFile(resolve(cwd, options.paramFile), options.paramFile);
  const given = new Set<string>();
  for (const item of options.param ?? []) {
    const [name, value] = splitAssignment(item, '--param');
    if (given.has(name.toLowerCase())) throw usageError(`--param ${name} is given twice`);
    given.add(name.toLowerCase());
    for (const fromFile of Object.keys(parameters)) if (fromFile.toLowerCase() === name.toLowerCase()) delete parameters[fromFile];
    parameters[name] = value;
  }
  return parameters;
}

function readParameterFile(path: string, typed: string): Record<string, ParameterValue> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`--param-file ${typed}: ${code === 'ENOENT' ? 'no such file' : toError(error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(`--param-file ${typed}: not valid JSON (${toError(error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError(`--param-file ${typed}: expected a JSON object of parameter names and values, e.g. {"SourcePath": "/in.csv", "BatchSize": 500}`);
  }
  const parameters: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const checked = ParameterValue.safeParse(value);
    if (!checked.success) throw usageError(`--param-file ${typed}: ${name}: expected a string, number or boolean`);
    parameters[name] = checked.data;
  }
  return parameters;
}

export function splitAssignment(text: string, what: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw usageError(`${what} '${text}': expected NAME=VALUE`);
  return [text.slice(0, at).trim(), text.slice(at + 1)];
}
