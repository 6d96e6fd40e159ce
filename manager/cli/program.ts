import { Command, CommanderError } from 'commander';
import { taskEnvironment } from '../../contracts/task-api.js';
import { registerApiKeyCommands } from './commands/apikey.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerConnectCommands } from './commands/connect.js';
import { registerExecutionCommands } from './commands/execution.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerMasterCommands } from './commands/master.js';
import { registerEnvironmentCommands } from './commands/environment.js';
import { registerPermissionCommands } from './commands/permission.js';
import { registerProjectCommands } from './commands/project.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerWorkerCommands } from './commands/worker.js';
import { configFilePath, environmentVariables } from './config-file.js';
import { CommandContext, defaultTiming, type Timing } from './context.js';
import { CliError, ExitCode, exitCodeHelp, isAbort } from './errors.js';
import type { CliIO } from './io.js';
import { ansiStyle, colorsWanted } from './output/style.js';

export interface RunOptions {
  version: string;
  timing?: Timing;
}

/** Runs one command line and returns its exit code. Everything it touches comes through `io`. */
export async function runCli(argv: readonly string[], io: CliIO, options: RunOptions): Promise<number> {
  const ctx = new CommandContext(io, options.timing ?? defaultTiming);
  try {
    await buildProgram(ctx, options.version).parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    return report(io, error);
  } finally {
    ctx.close();
  }
}

function report(io: CliIO, error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already written its message (or the help).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
    return ExitCode.usage;
  }
  const prefix = colorsWanted(io.stderr.isTTY, io.env) ? ansiStyle.red('error:') : 'error:';
  if (error instanceof CliError) {
    io.stderr.write(error.exitCode === ExitCode.declined ? `${error.message}\n` : `${prefix} ${error.message}\n`);
    return error.exitCode;
  }
  if (isAbort(error)) {
    io.stderr.write(`${prefix} interrupted\n`);
    return ExitCode.interrupted;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`${prefix} ${message}\n`);
  if (io.env['SCALEOUT_DEBUG'] && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return ExitCode.failure;
}

export function buildProgram(ctx: CommandContext, version: string): Command {
  const { io } = ctx;
  const program = new Command('scaleout')
    .description(
      'Scale Out Manager on the command line: run an SSIS Scale Out topology from one place: the master, its worker ' +
        'agents, projects and packages, executions, schedules, API keys and the audit trail.',
    )
    .version(`scaleout ${version}`, '-V, --version', 'print the version')
    // -V/--version is the program's only before the command: `execution run … --version 2` is a project version.
    .enablePositionalOptions()
    .helpOption('-h, --help', 'show help for a command')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Commander puts "(Did you mean …?)" on a second line: keep errors to one.
      outputError: (text, write) => write(text.replace(/\n(?=\(Did you mean)/, ' ')),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText('after', () => rootHelp(ctx))
    .hook('preAction', (_program, action) => ctx.begin(commandPath(action)));

  registerConnectCommands(program, ctx);
  registerMasterCommands(program, ctx);
  registerCatalogCommands(program, ctx);
  registerWorkerCommands(program, ctx);
  registerProjectCommands(program, ctx);
  registerEnvironmentCommands(program, ctx);
  registerExecutionCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerPermissionCommands(program, ctx);
  registerApiKeyCommands(program, ctx);
  registerAuditCommand(program, ctx);
  // A command's own help opens with its summary when it has no longer description.
  const visit = (command: Command): void => {
    const summary = command.summary();
    if (!command.description() && summary) command.description(`${summary[0]!.toUpperCase()}${summary.slice(1)}.`);
    command.commands.forEach(visit);
  };
  visit(program);
  return program;
}

/** `execution run`: the command's name under the root. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

function rootHelp(ctx: CommandContext): string {
  const codes = exitCodeHelp.map(([code, text]) => `  ${String(code).padEnd(4)}${text}`).join('\n');
  return `
Getting started with a one-box master:
  $ scaleout connect https://localhost:8391 --thumbprint <the SHA-1 the master printed> --api-key-stdin < admin.key
  $ scaleout master enable
  $ scaleout worker add --config <the worker's WorkerSettings.json>   then: scaleout worker enable <worker>
  $ scaleout project deploy ./etl --folder Finance
  $ scaleout execution run Finance/ETL/extract --param SourcePath=/data/in.csv --wait
  $ scaleout schedule create nightly Finance/ETL/extract --cron "0 2 * * *" --time-zone Europe/Paris --param SourcePath=/data/in.csv

Every command has --help with its SSISDB counterpart and examples, e.g. scaleout execution run --help.
Output: tables for people; --json prints the API's JSON and nothing else on stdout. Errors are one line on
stderr. Colors only on a terminal, never with --json or NO_COLOR.

Exit codes:
${codes}

Environment:
  ${environmentVariables.master}, ${environmentVariables.apiKey}, ${environmentVariables.thumbprint}
        the master, API key and pinned certificate thumbprint, instead of the stored connection
  ${environmentVariables.configFile}    the connection file (now ${configFilePath(ctx.io)})
  NO_COLOR           no colors
  ${taskEnvironment.taskCredential}, ${taskEnvironment.masterUrl} (with ${taskEnvironment.masterThumbprint}, ${taskEnvironment.executionId})
        set by a worker for the package it runs. With no API key configured, scaleout then acts on that
        package's child executions only (execution run, show, stop, logs), so a shell or PowerShell package
        can fan out; every other command is refused (exit 5). In a bash package, start one child per
        partition, then wait for each (the same --key gives the same child back; exit 10 when it failed):
          for p in 1 2 3; do scaleout execution run Sales/Partitions/sum --param Partition=$p --key p$p; done
          for p in 1 2 3; do scaleout execution run Sales/Partitions/sum --param Partition=$p --key p$p --wait || exit 1; done
`;
}
