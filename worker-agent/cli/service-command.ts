import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadWorkerConfig } from '../config/load-config.js';
import type { WorkerSettings } from '../config/settings.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { exitConfigError, formatProblems } from './problems.js';
import { serviceName, systemdUnit, winswConfiguration, type ServiceStart } from './service-definitions.js';
import { readServiceWrapperFiles } from './service-wrapper-files.js';

export { serviceName };
export const defaultUnitPath = `/etc/systemd/system/${serviceName}.service`;

export interface ServiceOptions {
  unitPath: string;
  user?: string;
  platform?: string;
  nodePath?: string;
}

/** WinSW reads `<its own name>.xml` beside itself: the wrapper is copied as scaleout-worker-service.exe. */
const wrapperBaseName = `${serviceName}-service`;

/** The Windows service's folder: `service\` beside the settings file, holding the wrapper and its XML. */
export function windowsServiceFolder(config: ConfigLocation): string {
  return join(dirname(resolve(config.path)), 'service');
}
const wrapperExe = (config: ConfigLocation): string => join(windowsServiceFolder(config), `${wrapperBaseName}.exe`);

/** A stop drains: running packages may finish for DrainTimeout, are then canceled, and get TaskCancelGracePeriod. */
const stopTimeoutMs = (settings: WorkerSettings): number => settings.drainTimeoutMs + settings.taskCancelGracePeriodMs + 30_000;

/** Runs the service manager (systemctl, or the WinSW wrapper), its output relayed; its exit code, 1 when it cannot start. */
function runServiceManager(cli: CliContext, program: string, args: string[]): Promise<number> {
  return new Promise((done) => {
    execFile(program, args, { windowsHide: true, timeout: 120_000 }, (error, stdout, stderr) => {
      if (stdout.trim()) cli.out(stdout.trimEnd());
      if (stderr.trim()) cli.err(stderr.trimEnd());
      if (!error) return done(0);
      if (typeof error.code === 'number') return done(error.code);
      cli.err(`Cannot run ${program}: ${error.message}`);
      done(1);
    });
  });
}

/**
 * `scaleout-worker service install`: on Linux writes a systemd unit (to --unit-path, default
 * /etc/systemd/system/scaleout-worker.service) that runs `scaleout-worker start` with this settings file and
 * prints the systemctl commands that enable it. On Windows writes the WinSW wrapper and its XML into service\ beside
 * the settings file and registers the service (`--platform win32` elsewhere writes them only, to look at).
 */
export async function serviceInstallCommand(config: ConfigLocation, options: ServiceOptions, cli: CliContext): Promise<number> {
  const platform = options.platform ?? cli.platform;
  const loaded = await loadWorkerConfig(config.path, { machineName: cli.machineName, now: cli.now() });
  if (!loaded.ok) {
    cli.err(formatProblems(`The service would not start: fix ${config.path} first:`, loaded.problems));
    return exitConfigError;
  }
  const { settings } = loaded.config;
  const start = {
    nodePath: options.nodePath ?? process.execPath,
    scriptPath: cli.scriptPath,
    configPath: resolve(config.path),
  };
  if (platform === 'win32') return installWindowsService(config, start, settings, cli);
  if (platform !== 'linux') {
    cli.err(`No service definition for ${platform} yet: run \`scaleout-worker start\` under your service manager (launchd).`);
    return 1;
  }
  const unit = systemdUnit(start, { displayName: settings.displayName, user: options.user, stopTimeoutMs: stopTimeoutMs(settings) });
  try {
    await mkdir(dirname(options.unitPath), { recursive: true });
    await writeFile(options.unitPath, unit, { mode: 0o644 });
  } catch (thrown) {
    cli.err(`Cannot write ${options.unitPath}: ${(thrown as Error).message} (run as root, or choose --unit-path)`);
    return 1;
  }
  cli.out(
    [
      `Wrote ${options.unitPath}. Enable and start the worker with:`,
      '',
      '  systemctl daemon-reload',
      `  systemctl enable --now ${serviceName}`,
      '',
      `Its log: journalctl -u ${serviceName} -f (and ${settings.agentLogFolder}/scaleout-worker.log).`,
      `Stopping it drains: running packages may finish for DrainTimeout before they are canceled.`,
    ].join('\n'),
  );
  return 0;
}

async function installWindowsService(config: ConfigLocation, start: ServiceStart, settings: WorkerSettings, cli: CliContext): Promise<number> {
  const files = await readServiceWrapperFiles();
  if (!files) {
    cli.err(
      'This copy of scaleout-worker carries no Windows service wrapper (a source checkout): install the npm package or the ' +
        'single-file executable that `npm run build:worker` makes (the master serves them: GET /api/v1/agent/downloads).',
    );
    return 1;
  }
  const folder = windowsServiceFolder(config);
  const xml = winswConfiguration(start, {
    displayName: settings.displayName,
    stopTimeoutMs: stopTimeoutMs(settings),
    logFolder: settings.agentLogFolder,
    workingFolder: dirname(resolve(config.path)),
  });
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, `${wrapperBaseName}.exe`), files.get('WinSW.exe')!);
  await writeFile(join(folder, `${wrapperBaseName}.exe.config`), files.get('WinSW.exe.config')!);
  await writeFile(join(folder, 'WinSW-LICENSE.txt'), files.get('WinSW-LICENSE.txt')!);
  await writeFile(join(folder, `${wrapperBaseName}.xml`), xml);
  if (cli.platform !== 'win32') {
    cli.out(`Wrote ${folder} (the WinSW wrapper and ${wrapperBaseName}.xml). This machine is not Windows: no service was registered.`);
    return 0;
  }
  const code = await runServiceManager(cli, wrapperExe(config), ['install']);
  if (code !== 0) {
    cli.err('Registering the service failed: run this command as administrator.');
    return code;
  }
  cli.out(
    [
      `Registered the Windows service ${serviceName} (${folder}). Start it with:`,
      '',
      '  scaleout-worker service start',
      '',
      `Its log: ${settings.agentLogFolder}\\scaleout-worker.log (the wrapper's own beside it).`,
      'Stopping it drains: running packages may finish for DrainTimeout before they are canceled.',
    ].join('\n'),
  );
  return 0;
}

export async function serviceUninstallCommand(config: ConfigLocation, options: ServiceOptions, cli: CliContext): Promise<number> {
  const platform = options.platform ?? cli.platform;
  if (platform === 'win32') {
    if (cli.platform === 'win32') {
      await runServiceManager(cli, wrapperExe(config), ['stop']);
      const code = await runServiceManager(cli, wrapperExe(config), ['uninstall']);
      if (code !== 0) return code;
    }
    await rm(windowsServiceFolder(config), { recursive: true, force: true });
    cli.out(`Removed the service ${serviceName} and ${windowsServiceFolder(config)}.`);
    return 0;
  }
  if (platform !== 'linux') {
    cli.err(`No service definition for ${platform}.`);
    return 1;
  }
  try {
    await rm(options.unitPath);
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    cli.err(code === 'ENOENT' ? `No unit at ${options.unitPath}: nothing to remove.` : `Cannot remove ${options.unitPath}: ${(thrown as Error).message}`);
    return 1;
  }
  cli.out([`Removed ${options.unitPath}. If the service was running, also run:`, '', `  systemctl disable --now ${serviceName}`, '  systemctl daemon-reload'].join('\n'));
  return 0;
}

/**
 * `join --service`: installs the service, then has it start now and at every boot (systemd: daemon-reload, then
 * enable --now the unit; Windows: the wrapper's start, the service being automatic already).
 */
export async function serviceInstallAndStartCommand(config: ConfigLocation, options: ServiceOptions, cli: CliContext): Promise<number> {
  const installed = await serviceInstallCommand(config, options, cli);
  if (installed !== 0) return installed;
  const platform = options.platform ?? cli.platform;
  if (platform === 'win32' && cli.platform === 'win32') return runServiceManager(cli, wrapperExe(config), ['start']);
  if (platform !== 'linux') return 0;
  cli.out('Enabling and starting it now:');
  const reloaded = await runServiceManager(cli, 'systemctl', ['daemon-reload']);
  if (reloaded !== 0) return reloaded;
  return runServiceManager(cli, 'systemctl', ['enable', '--now', options.unitPath === defaultUnitPath ? serviceName : resolve(options.unitPath)]);
}

export type ServiceAction = 'start' | 'stop' | 'status';

/**
 * `scaleout-worker service start|stop|status`: the installed service through systemctl (Linux) or the WinSW wrapper
 * (Windows). A stop drains, so it may take up to DrainTimeout before the service is stopped.
 */
export function serviceControlCommand(action: ServiceAction, config: ConfigLocation, cli: CliContext): Promise<number> {
  if (cli.platform === 'win32') return runServiceManager(cli, wrapperExe(config), [action]);
  if (cli.platform === 'linux') return runServiceManager(cli, 'systemctl', [action === 'status' ? 'is-active' : action, serviceName]);
  cli.err(`No service definition for ${cli.platform}.`);
  return Promise.resolve(1);
}

/** Whether the service runs now: systemd says active, or WinSW says Started. Nothing installed is not running. */
function serviceIsRunning(config: ConfigLocation, cli: CliContext): Promise<boolean> {
  const [program, args] =
    cli.platform === 'win32' ? [wrapperExe(config), ['status']] : ['systemctl', ['is-active', serviceName]];
  if (cli.platform === 'win32' && !existsSync(program)) return Promise.resolve(false);
  return new Promise((done) =>
    execFile(program, args, { windowsHide: true, timeout: 30_000 }, (error, stdout) => done(!error && /^(active|Started)$/m.test(stdout))),
  );
}

/**
 * After `update`: restarts the service when it runs, so the new agent takes over (the stop drains first: running
 * packages finish within DrainTimeout), else says how to start it. WinSW's `restart!` restarts from a process of its
 * own, which outlives the service's stop even when the agent itself asked.
 */
export async function serviceRestartCommand(config: ConfigLocation, cli: CliContext): Promise<number> {
  if (!(await serviceIsRunning(config, cli))) {
    cli.out('No running service to restart: start the agent again (scaleout-worker start, or scaleout-worker service start) to run the new version.');
    return 0;
  }
  cli.out('Restarting the service: it drains first, so running packages may finish for DrainTimeout.');
  return cli.platform === 'win32' ? runServiceManager(cli, wrapperExe(config), ['restart!']) : runServiceManager(cli, 'systemctl', ['restart', serviceName]);
}
