import { join } from 'node:path';
import { acquireAgentLock } from '../agent-lock.js';
import { WorkerAgent } from '../agent.js';
import { agentInfo } from '../agent-info.js';
import { ArchiveCache } from '../archive-cache.js';
import { systemClock } from '../clock.js';
import { loadWorkerConfig } from '../config/load-config.js';
import { formatTimeSpan } from '../config/time-span.js';
import { Dispatcher } from '../dispatcher.js';
import { Doorbell } from '../doorbell.js';
import { asError, describeError } from '../errors.js';
import { HeartbeatLoop } from '../heartbeat.js';
import { cleanLeftoverTasks } from '../leftover-tasks.js';
import { Listener } from '../listener.js';
import { createLogger, stdoutSink } from '../log.js';
import { ConnectivityMonitor } from '../master/connectivity.js';
import { connectToMaster } from '../master/connect.js';
import { LocalPackageExecutor } from '../package-executor.js';
import { ReportSpool } from '../report-spool.js';
import { OsResourceProbe } from '../resources.js';
import { rollingFileSink } from '../rolling-file.js';
import { DtexecRunner } from '../runners/dtexec-runner.js';
import { NodeRunner } from '../runners/node-runner.js';
import { ProcessRunner } from '../runners/process-runner.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { exitConfigError, formatProblems } from './problems.js';
import { serviceWrapperVariable } from './service-definitions.js';

/**
 * `scaleout-worker start`: the composition root of the running worker. Reads and checks the configuration
 * (refusing to start, with every bad setting listed, when it is wrong), wires listener, heartbeat, dispatcher,
 * runners and report spool, and runs in the foreground until SIGTERM/SIGINT (drain) or a second signal (at once).
 */
export async function startCommand(config: ConfigLocation, cli: CliContext): Promise<number> {
  const loaded = await loadWorkerConfig(config.path, { machineName: cli.machineName, now: cli.now() });
  for (const warning of loaded.warnings) cli.err(`warning: ${warning.setting}: ${warning.reason}`);
  if (!loaded.ok) {
    cli.err(formatProblems(`The worker cannot start: fix ${config.path}:`, loaded.problems));
    // WinSW leaves every non-zero exit to the service control manager, which restarts the service; bad settings
    // would fail the same way again, so under WinSW the service ends cleanly instead (systemd: RestartPreventExitStatus).
    if (cli.env[serviceWrapperVariable] === 'WinSW') {
      cli.err('Not restarted: fix the settings, then start the service again.');
      return 0;
    }
    return exitConfigError;
  }
  const { settings, identity } = loaded.config;
  const clock = systemClock;
  const file = rollingFileSink({ path: join(settings.agentLogFolder, 'scaleout-worker.log') });
  const log = createLogger([stdoutSink, file], clock.now);
  let lock;
  try {
    lock = await acquireAgentLock(join(settings.tasksRootFolder, 'agent.lock'));
  } catch (thrown) {
    log.error(asError(thrown).message);
    file.close();
    return 1;
  }

  const connection = connectToMaster(settings, identity, clock.now);
  const { master } = connection;
  const connectivity = new ConnectivityMonitor(log, clock.now);
  const spool = new ReportSpool({
    folder: settings.executionLogCacheFolder,
    master,
    clock,
    log,
    connectivity,
    retryTimeoutMs: settings.executionLogRetryTimeoutMs,
  });
  const tasksFolder = join(settings.tasksRootFolder, 'tasks');
  await cleanLeftoverTasks(tasksFolder, log);
  await spool.open();
  const executor = new LocalPackageExecutor({
    tasksFolder,
    archives: new ArchiveCache(join(settings.tasksRootFolder, 'archives'), (id) => master.downloadArchive(id)),
    runners: [new NodeRunner(), new ProcessRunner(), new DtexecRunner()],
    clock,
    graceMs: settings.taskCancelGracePeriodMs,
    master: { url: settings.masterEndpoint, thumbprint: settings.masterHttpsCertThumbprint },
  });
  const dispatcher = new Dispatcher({
    maxTaskCount: settings.maxTaskCount,
    heartbeatErrorToleranceMs: settings.heartbeatErrorToleranceMs,
    // Called only once tasks are claimed, long after `heartbeat` below exists.
    requestHeartbeat: () => heartbeat.beatNow(),
    clock,
    log,
    spool,
    executor,
  });
  const doorbell = new Doorbell({ clock, log, pollIntervalMs: settings.doorbellPollIntervalMs });
  const heartbeat = new HeartbeatLoop({
    master,
    clock,
    connectivity,
    target: dispatcher,
    taskIntervalMs: settings.taskHeartbeatIntervalMs,
    agentIntervalMs: settings.agentHeartbeatIntervalMs,
    agent: agentInfo(cli.machineName),
    doorbell,
  });
  const listener = new Listener({
    master,
    clock,
    log,
    connectivity,
    dispatcher,
    spool,
    doorbell,
    resources: new OsResourceProbe(),
    maxCpuPercent: settings.taskRequestMaxCpuPercent,
    minMemoryMb: settings.taskRequestMinMemoryMb,
  });
  const agent = new WorkerAgent({
    listener,
    heartbeat,
    dispatcher,
    spool,
    clock,
    log,
    drainTimeoutMs: settings.drainTimeoutMs,
    spoolRetryMs: settings.taskHeartbeatIntervalMs,
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    log.info(`${signal} received`);
    agent.stop({ force: signals > 1 });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info(
    `worker ${settings.displayName} (certificate SHA-1 ${identity.thumbprints.sha1}) starting: master ${settings.masterEndpoint}, ` +
      `MaxTaskCount ${settings.maxTaskCount}, TaskHeartbeatInterval ${formatTimeSpan(settings.taskHeartbeatIntervalMs)}, ` +
      `${spool.pendingCount} cached report(s) to deliver first`,
  );
  try {
    await agent.run();
    return 0;
  } catch (thrown) {
    log.error(`the worker stopped on an unexpected error: ${describeError(asError(thrown))}`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    connection.close();
    await lock.release();
    file.close();
  }
}
