import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAgentOutdated } from '../../contracts/agent-version.js';
import { downloadAgent, listAgentDownloads, type AgentPlatform } from '../../contracts/agent-downloads.js';
import { callEndpoint } from '../../contracts/client.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { agentInstall, agentVersion } from '../agent-info.js';
import { loadWorkerConfig } from '../config/load-config.js';
import { asError, describeError } from '../errors.js';
import type { CliContext, ConfigLocation } from './cli-context.js';
import { exitConfigError, formatProblems } from './problems.js';
import { serviceRestartCommand } from './service-command.js';

export interface UpdateOptions {
  force?: boolean;
  /** Commander's --no-restart. */
  restart: boolean;
}

/** The download that replaces this agent: the npm package, or the executable for this platform. */
function wantedPlatform(install: 'single-file' | 'npm', cli: CliContext): AgentPlatform | undefined {
  if (install === 'npm') return 'npm';
  if (process.arch !== 'x64') return undefined;
  return cli.platform === 'win32' ? 'win-x64' : cli.platform === 'linux' ? 'linux-x64' : undefined;
}

const runFile = (program: string, args: string[]): Promise<void> =>
  new Promise((done, fail) =>
    execFile(program, args, { windowsHide: true, shell: process.platform === 'win32', timeout: 600_000, maxBuffer: 16 << 20 }, (error, _stdout, stderr) =>
      error ? fail(new Error(`${program} ${args.join(' ')} failed: ${stderr.trim() || error.message}`)) : done(),
    ),
  );

/**
 * `scaleout-worker update`: replaces this agent with the build the master hands out (GET /api/v1/agent/downloads,
 * over the pinned connection the agent uses), the single-file executable in place or the npm package with
 * `npm install -g`, once its SHA-256 is the one the listing gives; then restarts the service when one runs, whose stop
 * drains, so running packages finish (within DrainTimeout) before the new agent takes tasks. A file that is not the
 * listed one replaces nothing.
 */
export async function updateCommand(config: ConfigLocation, options: UpdateOptions, cli: CliContext): Promise<number> {
  const install = agentInstall();
  if (install === 'source') {
    cli.err('This agent runs from a source checkout: update it with git pull && npm run build (update replaces the npm package or the single-file executable).');
    return 1;
  }
  const loaded = await loadWorkerConfig(config.path, { machineName: cli.machineName, now: cli.now() });
  if (!loaded.ok) {
    cli.err(formatProblems(`Cannot reach the master: fix ${config.path} first:`, loaded.problems));
    return exitConfigError;
  }
  const { settings } = loaded.config;
  const platform = wantedPlatform(install, cli);
  if (!platform) {
    cli.err(`The master builds single-file executables for linux-x64 and win-x64 only, not ${cli.platform}-${process.arch}: install the npm package instead.`);
    return 1;
  }
  const transport = new NodeHttpsTransport({ baseUrl: settings.masterEndpoint, pinnedThumbprint: settings.masterHttpsCertThumbprint });
  try {
    const listing = await callEndpoint(transport, listAgentDownloads, {});
    const current = agentVersion();
    if (!options.force && !isAgentOutdated(current, listing.agentVersion)) {
      cli.out(
        listing.agentVersion === current
          ? `This agent is ${current}, the version the master hands out: nothing to update.`
          : `This agent (${current}) is newer than the one the master hands out (${listing.agentVersion}): nothing replaced (--force installs it anyway).`,
      );
      return 0;
    }
    const download = listing.downloads.find((candidate) => candidate.platform === platform);
    if (!download) {
      cli.err(`The master's build ${listing.agentVersion} has no ${platform} download (it has ${listing.downloads.map((d) => d.platform).join(', ')}).`);
      return 1;
    }
    cli.out(`Downloading ${download.fileName} (${(download.size / 2 ** 20).toFixed(1)} MiB) from ${settings.masterEndpoint}…`);
    const bytes = await callEndpoint(transport, downloadAgent, { params: { fileName: download.fileName } });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== download.sha256) {
      cli.err(`Refused: the downloaded ${download.fileName} (${bytes.length} bytes, SHA-256 ${sha256}) is not the listed one (SHA-256 ${download.sha256}). Nothing was replaced.`);
      return 1;
    }
    const replaced = install === 'single-file' ? await replaceExecutable(bytes) : await reinstallPackage(bytes, download.fileName, settings.tasksRootFolder);
    cli.out(`Updated ${replaced} from ${current} to ${listing.agentVersion} (SHA-256 ${sha256}).`);
  } catch (thrown) {
    cli.err(`Not updated: ${describeError(asError(thrown))} Nothing was replaced.`);
    return 1;
  } finally {
    transport.close();
  }
  if (!options.restart) {
    cli.out('Not restarted (--no-restart): the running agent keeps its version until it starts again.');
    return 0;
  }
  return serviceRestartCommand(config, cli);
}

/**
 * The executable this process runs, replaced by `bytes`: written beside it, then renamed over it, so it is either the
 * old file or the whole new one. Windows cannot write a running executable but can rename it: the old one is moved
 * aside as `<name>.old` first (removed by the next update).
 */
async function replaceExecutable(bytes: Uint8Array): Promise<string> {
  const target = process.execPath;
  const staged = `${target}.download`;
  await writeFile(staged, bytes, { mode: 0o755 });
  try {
    await chmod(staged, 0o755);
    if (process.platform === 'win32') {
      const aside = `${target}.old`;
      await rm(aside, { force: true });
      await rename(target, aside);
    }
    await rename(staged, target);
  } catch (thrown) {
    await rm(staged, { force: true });
    throw thrown;
  }
  return target;
}

/**
 * Where npm installed this package globally: `<prefix>/lib/node_modules/scaleout-worker` (Windows:
 * `<prefix>\node_modules\scaleout-worker`), the package root being three folders above dist/worker-agent/cli/.
 */
function globalPrefix(): string | undefined {
  const packageRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
  const modules = dirname(packageRoot);
  if (basename(modules) !== 'node_modules') return undefined;
  if (process.platform === 'win32') return dirname(modules);
  return basename(dirname(modules)) === 'lib' ? dirname(dirname(modules)) : undefined;
}

/**
 * The npm package, installed again where it is installed (the same global prefix) from the verified tarball, kept
 * under TasksRootFolder meanwhile. Offline: the tarball carries its dependencies.
 */
async function reinstallPackage(bytes: Uint8Array, fileName: string, tasksRootFolder: string): Promise<string> {
  const prefix = globalPrefix();
  if (!prefix) throw new Error('this npm package is not installed globally (npm install -g): install the master\'s tarball the way you installed this one.');
  const tarball = join(resolve(tasksRootFolder), fileName);
  await mkdir(dirname(tarball), { recursive: true });
  await writeFile(tarball, bytes);
  try {
    await runFile('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball]);
  } finally {
    await rm(tarball, { force: true });
  }
  return `the npm package scaleout-worker in ${prefix}`;
}
