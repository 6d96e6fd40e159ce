export const serviceName = 'scaleout-worker';


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

/** The variable the Windows service sets for the agent, so that `start` knows WinSW runs it (see start-command.ts). */
export const serviceWrapperVariable = 'SCALEOUT_WORKER_SERVICE_WRAPPER';

/** One word of a Windows command line, quoted as CommandLineToArgvW reads it back. */
function windowsWord(value: string): string {
  if (value !== '' && !/[\s"]/.test(value)) return value;
  return `"${value.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

const xmlText = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The WinSW configuration (scaleout-worker-service.xml beside the wrapper). Stop sends Ctrl+C to the agent first
 * (stopparentprocessfirst: the packages are not killed before it drains), waits stoptimeout (DrainTimeout +
 * TaskCancelGracePeriod + 30 s), then kills what is left. A non-zero exit is a failure the service control manager
 * restarts; a configuration error is not one (start-command.ts ends cleanly under WinSW). The wrapper's own log and
 * the agent's console output roll in AgentLogFolder. No XML declaration: WinSW 1.x reads stoptimeout and
 * resetfailure under the document's first node, which must therefore be <service>.
 */
export function winswConfiguration(
  start: ServiceStart,
  options: { displayName: string; stopTimeoutMs: number; logFolder: string; workingFolder: string },
): string {
  const [executable, ...args] = serviceCommandLine(start);
  const element = (name: string, value: string): string => `  <${name}>${xmlText(value)}</${name}>`;
  return [
    '<service>',
    element('id', serviceName),
    element('name', `SSIS Scale Out worker (${options.displayName.replace(/[\r\n]/g, ' ')})`),
    element('description', 'Polls the Scale Out master over HTTPS and runs the packages it is given on this machine.'),
    element('executable', executable!),
    element('arguments', args.map(windowsWord).join(' ')),
    element('workingdirectory', options.workingFolder),
    element('startmode', 'Automatic'),
    `  <env name="${serviceWrapperVariable}" value="WinSW"/>`,
    element('stopparentprocessfirst', 'true'),
    element('stoptimeout', `${Math.ceil(options.stopTimeoutMs / 1000)} sec`),
    '  <onfailure action="restart" delay="10 sec"/>',
    element('resetfailure', '1 hour'),
    element('logpath', options.logFolder),
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>8</keepFiles>',
    '  </log>',
    '</service>',
    '',
  ].join('\n');
}
