import { Command, Option } from 'commander';
import { agentVersion } from '../agent-info.js';
import { defaultConfigPath } from '../config/default-location.js';
import { settingSpecs } from '../config/settings.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { initCommand, type InitOptions } from './init-command.js';
import { joinCommand, type JoinOptions } from './join-command.js';
import {
  defaultUnitPath,
  serviceControlCommand,
  serviceInstallAndStartCommand,
  serviceInstallCommand,
  serviceUninstallCommand,
  type ServiceAction,
  type ServiceOptions,
} from './service-command.js';
import { startCommand } from './start-command.js';
import { statusCommand } from './status-command.js';
import { updateCommand, type UpdateOptions } from './update-command.js';

/** Every setting with its SSIS name and what it does: the part of --help an SSIS administrator looks for. */
function settingsHelp(): string {
  const width = Math.max(...settingSpecs.map((s) => s.name.length));
  return [
    'Settings (WorkerSettings.json; keys are the SSIS WorkerSettings.config names; durations as hh:mm:ss):',
    ...settingSpecs.map((s) => `  ${s.name.padEnd(width)}  ${s.help}`),
  ].join('\n');
}

/**
 * The `scaleout-worker` command line. `setExitCode` receives each command's result (main.ts sets process.exitCode);
 * nothing here reads the process directly, everything comes through `cli`.
 */
export function buildProgram(cli: CliContext, setExitCode: (code: number) => void): Command {
  const fallbackConfig = defaultConfigPath({ env: cli.env, platform: cli.platform, isRoot: cli.isRoot, homeDir: cli.homeDir });
  const program = new Command('scaleout-worker')
    .description(
      'SSIS Scale Out worker agent: polls the Scale Out master over HTTPS, runs the packages it is given on this machine and reports back.',
    )
    .version(agentVersion(), '-V, --version', "print the agent's version")
    .option('-c, --config <file>', 'the settings file (or set SCALEOUT_WORKER_CONFIG)', fallbackConfig)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => cli.out(text.trimEnd()), writeErr: (text) => cli.err(text.trimEnd()) })
    .addHelpText(
      'after',
      `
Getting started, with an enrollment token (an administrator runs \`scaleout worker token create\`):
  scaleout-worker join https://master.example.com:8391 --token soj_…  create the certificate, join, write the settings
  scaleout-worker join https://master.example.com:8391 --token soj_… --service   … and run as a service

Or as in SSIS, with the certificate copied to the manager:
  scaleout-worker init --master https://master.example.com:8391   create this worker's certificate and settings
  scaleout worker add --cert <certificate> --name <name>           (an administrator, with the manager CLI)
  scaleout-worker status                                            check that the master accepts this worker
  scaleout-worker start                                             run in the foreground (Ctrl+C drains)
  scaleout-worker service install                                   run as a service (systemd; Windows: WinSW)

Later: scaleout-worker update takes the master's newer build (scaleout worker list flags outdated agents).

Default settings file: ${fallbackConfig}`,
    );

  const location = (command: Command): ConfigLocation => {
    const path = command.optsWithGlobals<{ config: string }>().config;
    return { path, explicit: command.getOptionValueSourceWithGlobals('config') === 'cli' };
  };
  const run = (work: () => Promise<number>): Promise<void> => work().then(setExitCode);

  program
    .command('init')
    .description("create this worker's key pair and certificate (or take existing ones) and write its settings file")
    .requiredOption('--master <url>', 'MasterEndpoint: the master address, e.g. https://master.example.com:8391')
    .option('--name <name>', 'DisplayName (default: this machine name)')
    .option('--description <text>', 'Description')
    .option('--max-tasks <n>', 'MaxTaskCount: most packages run at once (default 10)')
    .option('--master-thumbprint <hex>', "MasterHttpsCertThumbprint: pin the master's (self-signed) TLS certificate")
    .option('--cert <file>', 'use this existing certificate (PEM) instead of creating one; needs --key')
    .option('--key <file>', "the existing certificate's private key (unencrypted PKCS#8 or PKCS#1 PEM)")
    .option('--pfx <file>', 'import certificate and key from a PFX/P12 file (password in SCALEOUT_PFX_PASSWORD)')
    .option('--cert-valid-days <days>', 'validity of a created certificate', '730')
    .option('--force', 'replace an existing settings file and identity')
    .addHelpText(
      'after',
      `
Creates an ECDSA P-256 key (file mode 0600) and a self-signed client-authentication certificate, writes
WorkerSettings.json with every setting and its default, and prints the certificate's thumbprint and the
command an administrator runs to add this worker:

  scaleout worker add --cert <path to the certificate PEM> --name <DisplayName>

Examples:
  scaleout-worker init --master https://master.example.com:8391
  scaleout-worker init --master https://10.0.0.5:8391 --master-thumbprint 3F2A…C1 --name etl-01 --max-tasks 4
  scaleout-worker init --master https://master:8391 --cert worker.pem --key worker-key.pem
  SCALEOUT_PFX_PASSWORD=… scaleout-worker init --master https://master:8391 --pfx worker.pfx

${settingsHelp()}`,
    )
    .action((options: InitOptions, command: Command) => run(() => initCommand(location(command), options, cli)));

  program
    .command('join')
    .description('join a master with an enrollment token: create this worker\'s certificate, register it, write its settings')
    .argument('<master-url>', 'MasterEndpoint: the master address, e.g. https://master.example.com:8391')
    .requiredOption('--token <token>', 'the enrollment token (soj_…) from `scaleout worker token create`')
    .option('--name <name>', 'DisplayName (default: this machine name)')
    .option('--description <text>', 'Description')
    .option('--cert-valid-days <days>', 'validity of the created certificate', '730')
    .option('--force', 'replace an existing settings file and identity (the worker joins as a new one)')
    .option('--service', 'then install the worker as a service and start it (service install, then systemctl enable --now / service start)')
    .option('--unit-path <file>', 'with --service: where the systemd unit is written', defaultUnitPath)
    .option('--user <account>', 'with --service: the account the service runs as (systemd User=)')
    .addHelpText(
      'after',
      `
What an administrator's \`scaleout worker token create\` prints is the whole command: the token says which
master certificate to trust (its SHA-256), so no thumbprint is copied by hand. join then
  1. creates an ECDSA P-256 key (file mode 0600) and a self-signed client certificate, as init does;
  2. connects to the master and refuses one whose certificate is not the one the token names (the token
     is not sent to it);
  3. registers the worker (POST /api/v1/agent/enroll): it gets the tags, MaxTaskCount and enabled flag the
     token was created with; a token works for its number of uses, until it expires (1 h by default);
  4. writes WorkerSettings.json with every setting and its default;
  5. with --service, installs the service and starts it, now and at boot (systemd on Linux, WinSW on Windows).
When the master refuses (a token expired, used up, revoked or mistyped), nothing is created.

Examples:
  scaleout-worker join https://master.example.com:8391 --token soj_…
  sudo scaleout-worker join https://10.0.0.5:8391 --token soj_… --name etl-01 --service --user scaleout
`,
    )
    .action((masterUrl: string, options: JoinOptions & ServiceOptions, command: Command) =>
      run(() =>
        joinCommand(location(command), masterUrl, options, cli, () =>
          serviceInstallAndStartCommand(location(command), { unitPath: options.unitPath, ...(options.user ? { user: options.user } : {}) }, cli),
        ),
      ),
    );

  program
    .command('start')
    .description('run the worker in the foreground: claim tasks, run packages, report (logs to stdout and a rolling file)')
    .addHelpText(
      'after',
      `
Refuses to start while the settings are invalid, listing every bad setting and why (exit code 78).
SIGTERM or Ctrl+C drains: no new tasks; running packages may finish within DrainTimeout, then they are
canceled and given back to the master. A second signal stops at once. Reports the master could not take
wait in ExecutionLogCacheFolder and are delivered first on the next start.

Examples:
  scaleout-worker start
  scaleout-worker start --config /srv/worker/WorkerSettings.json

${settingsHelp()}`,
    )
    .action((_options: unknown, command: Command) => run(() => startCommand(location(command), cli)));

  program
    .command('status')
    .description("check the settings, whether the master answers, and whether it accepts this worker's certificate")
    .addHelpText(
      'after',
      `
Exit code 0 when the master accepts the worker, 1 when it does not (or cannot be reached), 78 for bad settings.

Example:
  scaleout-worker status --config /var/lib/scaleout-worker/WorkerSettings.json`,
    )
    .action((_options: unknown, command: Command) => run(() => statusCommand(location(command), cli)));

  program
    .command('update')
    .description("replace this agent with the master's build (verified by SHA-256), then restart the service")
    .option('--force', 'install the master\'s build even when this agent is as new or newer')
    .option('--no-restart', 'replace the files only; the running agent keeps its version until it starts again')
    .addHelpText(
      'after',
      `
Asks the master which agent it hands out (GET /api/v1/agent/downloads, over the same pinned connection the
agent uses). When that is newer than this agent, downloads the file for this install: the single-file
executable for this platform (replaced in place; on Windows the old one is kept as <name>.old), or the npm
package (npm install --global). A download whose SHA-256 is not the listed one replaces nothing (exit 1).
Then restarts the service when it runs; its stop drains, so running packages finish (within DrainTimeout)
before the new agent takes tasks. A source checkout updates with git pull && npm run build.

Examples:
  sudo scaleout-worker update --config /var/lib/scaleout-worker/WorkerSettings.json
  scaleout-worker update --no-restart`,
    )
    .action((options: UpdateOptions, command: Command) => run(() => updateCommand(location(command), options, cli)));

  const service = program.command('service').description('install, remove, start, stop or check the worker as a system service');
  const serviceOptions = (command: Command): Command =>
    command
      .option('--unit-path <file>', 'Linux: where the systemd unit is written', defaultUnitPath)
      .addOption(new Option('--platform <platform>', 'the service manager to target (default: this machine)').choices(['linux', 'win32']));
  serviceOptions(
    service
      .command('install')
      .description('Linux: write a systemd unit that runs `scaleout-worker start`; Windows: register a WinSW service that runs it')
      .option('--user <account>', 'the account the service runs as (systemd User=)')
      .addHelpText(
        'after',
        `
Linux: the unit stops the agent with SIGTERM only (KillMode=mixed) so that a stop drains, and allows
DrainTimeout + TaskCancelGracePeriod + 30 s before systemd kills what is left. Exit code 78 (bad settings)
is not restarted.

Windows (as administrator): writes service\\ beside the settings file (the WinSW wrapper shipped with the
agent, as scaleout-worker-service.exe, and its scaleout-worker-service.xml) and registers the service
scaleout-worker, started at boot. A stop sends Ctrl+C, which drains the same way, and kills what is left
after the same time; a crash is restarted after 10 s, bad settings are not; the wrapper's log rolls in
AgentLogFolder. With --platform win32 another machine writes the files without registering anything.

Examples:
  sudo scaleout-worker service install --user scaleout
  scaleout-worker service install --unit-path ./scaleout-worker.service
  scaleout-worker service install                       (Windows, in an administrator PowerShell)`,
      ),
  ).action((options: ServiceOptions, command: Command) => run(() => serviceInstallCommand(location(command), options, cli)));
  serviceOptions(service.command('uninstall').description('stop and remove the service (the systemd unit, or the Windows service and its wrapper)')).action(
    (options: ServiceOptions, command: Command) => run(() => serviceUninstallCommand(location(command), options, cli)),
  );
  const actions: [ServiceAction, string][] = [
    ['start', 'start the installed service (systemctl start, or the Windows service)'],
    ['stop', 'stop the service: it drains, so running packages may finish for DrainTimeout first'],
    ['status', "print the service's state (systemctl is-active, or Started / Stopped / NonExistent on Windows)"],
  ];
  for (const [action, description] of actions) {
    service
      .command(action)
      .description(description)
      .action((_options: unknown, command: Command) => run(() => serviceControlCommand(action, location(command), cli)));
  }

  return program;
}
