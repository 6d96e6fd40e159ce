import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadWorkerConfig } from '../config/load-config.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { exitConfigError, formatProblems } from './problems.js';
import { systemdUnit, windowsServiceCommands } from './service-definitions.js';

export const serviceName = 'scaleout-worker';
export const defaultUnitPath = `/etc/systemd/system/${serviceName}.service`;

export interface ServiceOptions {
  unitPath: string;
  user?: string;
  platform?: string;
  nodePath?: string;
}

/**
 * `scaleout-worker service install`: on Linux writes a systemd unit (to --unit-path, default
 * /etc/systemd/system/scaleout-worker.service) that runs `scaleout-worker start` with this settings file and
 * prints the systemctl commands that enable it. On Windows prints the sc.exe / New-Service commands.
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
  if (platform === 'win32') {
    cli.out(windowsServiceCommands(start, settings.displayName));
    return 0;
  }
  if (platform !== 'linux') {
    cli.err(`No service definition for ${platform} yet: run \`scaleout-worker start\` under your service manager (launchd).`);
    return 1;
  }
  const unit = systemdUnit(start, {
    displayName: settings.displayName,
    user: options.user,
    stopTimeoutMs: settings.drainTimeoutMs + settings.taskCancelGracePeriodMs + 30_000,
  });
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

export async function serviceUninstallCommand(options: ServiceOptions, cli: CliContext): Promise<number> {
  const platform = options.platform ?? cli.platform;
  if (platform === 'win32') {
    cli.out(['Stop and remove the service (PowerShell, as administrator):', '', `  Stop-Service ${serviceName}`, `  sc.exe delete ${serviceName}`].join('\n'));
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
