import { formatTimeSpan } from '../config/time-span.js';

/** What a service runs: `<node> <scaleout-worker script> start --config <settings file>`, or `<single-file executable> start --config …`. */
export interface ServiceStart {
  nodePath: string;
  scriptPath: string | undefined;
  configPath: string;
}

/** The service's command line as words: the program, then its arguments. */
function serviceCommandLine(start: ServiceStart): string[] {
  return [start.nodePath, ...(start.scriptPath ? [start.scriptPath] : []), 'start', '--config', start.configPath];
}

/** One systemd ExecStart word: quoted when it holds anything but plain characters. */
function systemdWord(value: string): string {
  return /^[A-Za-z0-9_./:=@+,-]+$/.test(value) ? value : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The systemd unit. A stop sends SIGTERM to the agent only (KillMode=mixed), which drains: packages may finish
 * for DrainTimeout, then the agent cancels them and reports. Whatever is left when TimeoutStopSec runs out is
 * killed. Exit code 78 (bad configuration) is not restarted: it would fail the same way again.
 */
export function systemdUnit(start: ServiceStart, options: { displayName: string; user?: string | undefined; stopTimeoutMs: number }): string {
  const exec = serviceCommandLine(start).map(systemdWord).join(' ');
  return [
    '[Unit]',
    `Description=SSIS Scale Out worker agent (${options.displayName.replace(/[\r\n]/g, ' ')})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    ...(options.user ? [`User=${options.user}`] : []),
    'Restart=on-failure',
    'RestartSec=10',
    'RestartPreventExitStatus=78',
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${Math.ceil(options.stopTimeoutMs / 1000)}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** A value inside a PowerShell single-quoted string. */
const ps = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * The Windows service, for an administrator to create. node.exe does not speak the service control protocol
 * itself, so the commands go through a service wrapper when one is wanted; the plain sc.exe form is given too.
 */
export function windowsServiceCommands(start: ServiceStart, displayName: string): string {
  const binPath = serviceCommandLine(start)
    .map((word) => (/^[A-Za-z-]+$/.test(word) ? word : `"${word}"`))
    .join(' ');
  return [
    'Create the Windows service (PowerShell, as administrator):',
    '',
    `  New-Service -Name scaleout-worker -DisplayName ${ps(`SSIS Scale Out worker (${displayName})`)} -StartupType Automatic -BinaryPathName ${ps(binPath)}`,
    '',
    'or with sc.exe:',
    '',
    `  sc.exe create scaleout-worker start= auto DisplayName= ${ps(`SSIS Scale Out worker (${displayName})`)} binPath= ${ps(binPath)}`,
    '',
    'Note: node.exe does not answer the Windows service control manager by itself, so Windows reports error 1053',
    'when it starts such a service directly. Run the same command line under a service wrapper (for example',
    'WinSW or NSSM: program = the node.exe path, arguments = the rest of the line above), or as a scheduled task',
    'that starts at boot. Stopping through the wrapper should send Ctrl+C, which drains like SIGTERM;',
    `give it at least DrainTimeout (default ${formatTimeSpan(300_000)}) before it kills the process.`,
  ].join('\n');
}
