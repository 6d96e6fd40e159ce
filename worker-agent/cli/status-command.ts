import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../contracts/client.js';
import { runningAgentPid } from '../agent-lock.js';
import { agentInfo } from '../agent-info.js';
import { loadWorkerConfig } from '../config/load-config.js';
import { asError, describeError } from '../errors.js';
import { connectToMaster } from '../master/connect.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { exitConfigError, formatProblems } from './problems.js';

/**
 * `scaleout-worker status`: reads the configuration, asks the master whether it answers and accepts this worker's
 * certificate (one heartbeat, as the running agent sends), and prints a summary. Exit code 0 only when the master
 * accepts the worker.
 */
export async function statusCommand(config: ConfigLocation, cli: CliContext): Promise<number> {
  const loaded = await loadWorkerConfig(config.path, { machineName: cli.machineName, now: cli.now() });
  for (const warning of loaded.warnings) cli.err(`warning: ${warning.setting}: ${warning.reason}`);
  if (!loaded.ok) {
    cli.err(formatProblems(`Configuration ${config.path} is invalid:`, loaded.problems));
    return exitConfigError;
  }
  const { settings, identity } = loaded.config;
  const rows: [string, string][] = [
    ['Worker', `${settings.displayName}${settings.description ? ` — ${settings.description}` : ''}`],
    ['Settings', `${config.path} (valid)`],
    ['Certificate', `${settings.workerCertificateFile}, expires ${new Date(identity.certificate.validTo).toISOString().slice(0, 10)}`],
    ['Thumbprint', `SHA-1 ${identity.thumbprints.sha1}`],
    ['', `SHA-256 ${identity.thumbprints.sha256}`],
  ];

  const agentPid = await runningAgentPid(join(settings.tasksRootFolder, 'agent.lock'));
  rows.push(['Agent', agentPid !== undefined ? `running (pid ${agentPid})` : 'not running here']);
  rows.push(['Cached reports', String(await countCachedReports(settings.executionLogCacheFolder))]);

  const connection = connectToMaster(settings, identity, () => cli.now().getTime());
  let accepted = false;
  try {
    const answer = await connection.master.heartbeat({
      tasks: [],
      agent: agentInfo(cli.machineName),
    });
    accepted = true;
    rows.push(['Master', `${settings.masterEndpoint} answers${settings.masterHttpsCertThumbprint ? ' (pinned certificate matches)' : ''}`]);
    rows.push([
      'Accepted',
      answer.workerEnabled
        ? 'yes: enabled, receives tasks'
        : 'yes, but disabled: no new tasks until an administrator enables it (`scaleout worker enable`)',
    ]);
  } catch (thrown) {
    const error = asError(thrown);
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      rows.push(['Master', `${settings.masterEndpoint} answers`]);
      rows.push(['Accepted', `NO (HTTP ${error.status}): ${error.message}`]);
    } else {
      rows.push(['Master', `${settings.masterEndpoint} UNREACHABLE: ${describeError(error)}`]);
    }
  } finally {
    connection.close();
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  cli.out(rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n'));
  return accepted ? 0 : 1;
}

async function countCachedReports(folder: string): Promise<number> {
  try {
    return (await readdir(folder)).filter((name) => name.endsWith('.json')).length;
  } catch {
    return 0;
  }
}
