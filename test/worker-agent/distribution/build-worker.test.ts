import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../functions/project.js';
import { distFolder } from '../../support/dist.js';
import { enableScaleOut } from '../../../contracts/management/endpoints.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { AgentProcess } from '../e2e/support/agents.js';
import { deployE2eProject, startExecution, waitForEnd } from '../e2e/support/executions.js';
import { outputFolder, ProcessMarker, tearDownAndCheck } from '../e2e/support/processes.js';
import { e2eTestTimeoutMs } from '../e2e/support/wait.js';
import { machineAmd64, readPe, resourceTypeRcData } from '../support/pe-resources.js';

const run = promisify(execFile);
const root = projectRoot();
const version = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const wine = await run('sh', ['-c', 'command -v wine']).then(
  () => true,
  () => false,
);

interface Listing {
  agentVersion: string;
  nodeVersion: string;
  downloads: { fileName: string; platform: string; size: number; sha256: string }[];
}

let scratch: string;
let out: string;
let listing: Listing;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'build-worker-'));
  out = join(scratch, 'worker');
  // What `npm run build:worker` runs after `npm run build` (the global setup compiled dist/).
  await run(process.execPath, [join(distFolder, 'scripts/build-worker.js'), '--out', out], { cwd: root, timeout: 590_000 });
  listing = JSON.parse(await readFile(join(out, 'downloads.json'), 'utf8')) as Listing;
}, 600_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A PATH with the basic tools and no Node.js: the executables must not need one. */
async function pathWithoutNode(): Promise<string> {
  const empty = join(scratch, 'no-node-bin');
  await mkdir(empty, { recursive: true });
  return empty;
}

describe('npm run build:worker', () => {
  it('produces the npm package and both executables, listed in downloads.json with their size and SHA-256', async () => {
    expect(listing.agentVersion).toBe(version);
    expect(listing.nodeVersion).toMatch(/^22\.\d+\.\d+$/);
    expect(listing.downloads.map((d) => [d.platform, d.fileName])).toEqual([
      ['npm', `scaleout-worker-${version}.tgz`],
      ['linux-x64', `scaleout-worker-${version}-linux-x64`],
      ['win-x64', `scaleout-worker-${version}-win-x64.exe`],
    ]);
    expect((await readdir(out)).sort()).toEqual([...listing.downloads.map((d) => d.fileName), 'downloads.json'].sort());
    for (const download of listing.downloads) {
      const bytes = await readFile(join(out, download.fileName));
      expect(bytes.length).toBe(download.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(download.sha256);
    }
  });

  it('the npm package installs with `npm install -g` and holds only the agent and contracts', async () => {
    const prefix = join(scratch, 'prefix');
    // Offline: the package carries its dependencies.
    await run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(out, `scaleout-worker-${version}.tgz`)], {
      timeout: 300_000,
    });
    const installed = join(prefix, 'lib/node_modules/scaleout-worker');
    expect((await readdir(join(installed, 'dist'))).sort()).toEqual(['contracts', 'worker-agent']);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['commander', 'zod', 'jose', '@azure/storage-queue']));
    expect(Object.keys(manifest.dependencies)).not.toContain('better-sqlite3');
    expect(Object.keys(manifest.dependencies)).not.toContain('@azure/functions');

    const bin = join(prefix, 'bin/scaleout-worker');
    expect((await run(bin, ['--version'])).stdout.trim()).toBe(version);
    const help = (await run(bin, ['--help'])).stdout;
    expect(help).toContain('SSIS Scale Out worker agent');
    expect(help).toMatch(/init .*create this worker's key pair/);

    // The Windows service wrapper travels in the package: written out beside the settings with the XML naming node and the script.
    const wrapper = await readFile(join(installed, 'winsw/WinSW.exe'));
    expect(wrapper.subarray(0, 2).toString('latin1')).toBe('MZ');
    expect(wrapper.includes(Buffer.from('1.17.0.0', 'utf16le'))).toBe(true);
    const config = join(scratch, 'npm-worker', 'WorkerSettings.json');
    await run(bin, ['--config', config, 'init', '--master', 'https://127.0.0.1:8391']);
    const installedService = await run(bin, ['--config', config, 'service', 'install', '--platform', 'win32']);
    expect(installedService.stdout).toContain('This machine is not Windows: no service was registered.');
    const serviceFolder = join(scratch, 'npm-worker', 'service');
    expect((await readdir(serviceFolder)).sort()).toEqual(['WinSW-LICENSE.txt', 'scaleout-worker-service.exe', 'scaleout-worker-service.exe.config', 'scaleout-worker-service.xml']);
    expect((await readFile(join(serviceFolder, 'scaleout-worker-service.exe'))).equals(wrapper)).toBe(true);
    const xml = await readFile(join(serviceFolder, 'scaleout-worker-service.xml'), 'utf8');
    expect(xml).toMatch(/<executable>[^<]+node<\/executable>/);
    expect(xml).toContain(`<arguments>${await realpath(join(installed, 'bin/scaleout-worker.js'))} start --config ${config}</arguments>`);
  }, 300_000);

  it('the linux-x64 executable, alone in an empty folder with no Node.js on PATH, runs --version and --help', async () => {
    const alone = join(scratch, 'alone');
    await mkdir(alone);
    const exe = join(alone, 'scaleout-worker');
    await copyFile(join(out, `scaleout-worker-${version}-linux-x64`), exe);
    const { mode } = await stat(join(out, `scaleout-worker-${version}-linux-x64`));
    expect(mode & 0o111).not.toBe(0);
    await run('chmod', ['755', exe]);
    const env = { PATH: await pathWithoutNode(), HOME: alone };
    await expect(run('sh', ['-c', 'command -v node'], { env })).rejects.toThrow();
    const versionRun = await run(exe, ['--version'], { env, cwd: alone });
    expect(versionRun.stdout.trim()).toBe(version);
    expect(versionRun.stderr).toBe('');
    expect((await run(exe, ['--help'], { env, cwd: alone })).stdout).toContain('SSIS Scale Out worker agent');
    expect(await readdir(alone)).toEqual(['scaleout-worker']);

    // The executable carries the Windows service wrapper as an asset: the service runs the executable itself, no script.
    const config = join(alone, 'worker', 'WorkerSettings.json');
    await run(exe, ['--config', config, 'init', '--master', 'https://127.0.0.1:8391'], { env, cwd: alone });
    await run(exe, ['--config', config, 'service', 'install', '--platform', 'win32'], { env, cwd: alone });
    const wrapper = await readFile(join(alone, 'worker', 'service', 'scaleout-worker-service.exe'));
    expect(wrapper.subarray(0, 2).toString('latin1')).toBe('MZ');
    expect(wrapper.includes(Buffer.from('1.17.0.0', 'utf16le'))).toBe(true);
    expect(await readFile(join(alone, 'worker', 'service', 'WinSW-LICENSE.txt'), 'utf8')).toContain('Permission is hereby granted');
    const xml = await readFile(join(alone, 'worker', 'service', 'scaleout-worker-service.xml'), 'utf8');
    expect(xml).toContain(`<executable>${exe}</executable>`);
    expect(xml).toContain(`<arguments>start --config ${config}</arguments>`);
  });

  it('the win-x64 executable is a valid x64 PE file carrying the agent blob (NODE_SEA_BLOB) with the fuse set', async () => {
    const exe = await readFile(join(out, `scaleout-worker-${version}-win-x64.exe`));
    const pe = readPe(exe);
    expect(pe.machine).toBe(machineAmd64);
    const blob = pe.resource(resourceTypeRcData, 'NODE_SEA_BLOB');
    expect(blob).toBeDefined();
    // No code cache: the blob carries the bundled agent's source, which is the same bundle the linux executable runs.
    expect(blob!.toString('latin1')).toContain('SSIS Scale Out worker agent: polls the Scale Out master');
    expect(exe.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).toBe(true);
  });

  it.skipIf(!wine)('the win-x64 executable runs --version under Wine (skipped: Wine is not installed here)', async () => {
    const { stdout } = await run('wine', [join(out, `scaleout-worker-${version}-win-x64.exe`), '--version'], { timeout: 120_000 });
    expect(stdout.trim()).toBe(version);
  }, 180_000);
});

describe('the linux-x64 executable against a one-box master', { timeout: e2eTestTimeoutMs }, () => {
  let master: TestMaster | undefined;
  let agent: AgentProcess | undefined;
  const marker = new ProcessMarker();

  afterAll(async () => {
    await tearDownAndCheck({ agents: agent ? [agent] : [], services: master ? [master] : [], marker, root: join(scratch, 'e2e') });
  }, 180_000);

  it('alone in a folder with no Node.js on PATH: init, added by the administrator, start, runs a node package to success', async () => {
    const folder = join(scratch, 'e2e');
    await mkdir(folder);
    const exe = join(folder, 'scaleout-worker');
    await copyFile(join(out, `scaleout-worker-${version}-linux-x64`), exe);
    master = await startTestMaster();
    await master.admin(enableScaleOut, {});
    await deployE2eProject(master.admin);
    agent = await AgentProcess.init(folder, 'single-file-1', { url: master.url, thumbprint: master.host.certificateThumbprint }, marker, {
      command: [exe],
      env: { PATH: await pathWithoutNode() },
    });
    await agent.register(master.admin);
    agent.start();
    // A `node` package: the executable hosts it itself, there being no node to run it with.
    const runOut = outputFolder(folder, 'succeed');
    const created = await startExecution(master.admin, 'succeed', { OutDir: runOut });
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 7, statusName: 'succeeded', workerAgentId: agent.workerAgentId });
    expect(await readFile(join(runOut, `succeed-${created.executionId}.txt`), 'utf8')).toBe('attempt 1\n');
  });
});

describe('scaleout-worker update: the linux-x64 executable from a one-box master', { timeout: e2eTestTimeoutMs }, () => {
  let master: TestMaster | undefined;
  let served: string;

  beforeAll(async () => {
    served = join(scratch, 'served');
    await mkdir(served);
    master = await startTestMaster({ env: { SCALEOUT_AGENT_DOWNLOADS_FOLDER: served } });
  }, 120_000);

  afterAll(async () => {
    await master?.stop();
  });

  it('replaces itself with the listed build once its SHA-256 matches; a wrong SHA-256 replaces nothing', async () => {
    const folder = join(scratch, 'update');
    await mkdir(folder);
    const exe = join(folder, 'scaleout-worker');
    await copyFile(join(out, `scaleout-worker-${version}-linux-x64`), exe);
    await run('chmod', ['755', exe]);
    const env = { PATH: await pathWithoutNode(), HOME: folder };
    const config = join(folder, 'worker', 'WorkerSettings.json');
    await run(exe, ['--config', config, 'init', '--master', master!.url, '--master-thumbprint', master!.host.certificateThumbprint], { env });
    const original = await readFile(exe);

    // The master's build: the same executable with bytes appended (which the ELF loader ignores), listed as newer.
    const newer = Buffer.concat([original, Buffer.from('\nserved as 99.0.0\n')]);
    const fileName = 'scaleout-worker-99.0.0-linux-x64';
    await writeFile(join(served, fileName), newer);
    const list = (agentVersion: string, sha256: string) =>
      writeFile(
        join(served, 'downloads.json'),
        JSON.stringify({ agentVersion, nodeVersion: listing.nodeVersion, downloads: [{ fileName, platform: 'linux-x64', size: newer.length, sha256 }] }),
      );
    const update = () => run(exe, ['--config', config, 'update'], { env, cwd: folder, timeout: 300_000 });

    await list('99.0.0', 'ab'.repeat(32));
    const refused = (await update().then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: number; stderr: string } | undefined;
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain(`Refused: the downloaded ${fileName} (${newer.length} bytes, SHA-256 ${createHash('sha256').update(newer).digest('hex')}) is not the listed one`);
    expect(refused?.stderr).toContain('Nothing was replaced.');
    expect((await readFile(exe)).equals(original)).toBe(true);
    expect((await readdir(folder)).sort()).toEqual(['scaleout-worker', 'worker']);

    await list('99.0.0', createHash('sha256').update(newer).digest('hex'));
    const updated = await update();
    expect(updated.stdout).toContain(`Updated ${exe} from ${version} to 99.0.0 (SHA-256 ${createHash('sha256').update(newer).digest('hex')}).`);
    expect(updated.stdout).toContain('No running service to restart');
    expect((await readFile(exe)).equals(newer)).toBe(true);
    expect((await stat(exe)).mode & 0o111).not.toBe(0);
    expect((await readdir(folder)).sort()).toEqual(['scaleout-worker', 'worker']);
    // The new file is what runs now.
    expect((await run(exe, ['--version'], { env })).stdout.trim()).toBe(version);

    await list(version, createHash('sha256').update(newer).digest('hex'));
    expect((await update()).stdout).toContain(`This agent is ${version}, the version the master hands out: nothing to update.`);
  });

  it('an npm-installed agent installs the listed tarball again in its own prefix; a wrong SHA-256 installs nothing', async () => {
    const prefix = join(scratch, 'update-prefix');
    const tarball = `scaleout-worker-${version}.tgz`;
    await run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(out, tarball)], { timeout: 300_000 });
    const installed = join(prefix, 'lib/node_modules/scaleout-worker');
    const bin = join(prefix, 'bin/scaleout-worker');
    const config = join(scratch, 'update-npm', 'WorkerSettings.json');
    await run(bin, ['--config', config, 'init', '--master', master!.url, '--master-thumbprint', master!.host.certificateThumbprint]);
    // What the reinstall shows: a file the first install had, removed, comes back.
    const marker = join(installed, 'README.md');
    await rm(marker);
    const bytes = await readFile(join(out, tarball));
    await copyFile(join(out, tarball), join(served, tarball));
    const list = (sha256: string) =>
      writeFile(
        join(served, 'downloads.json'),
        JSON.stringify({ agentVersion: '99.0.0', nodeVersion: listing.nodeVersion, downloads: [{ fileName: tarball, platform: 'npm', size: bytes.length, sha256 }] }),
      );
    const update = () => run(bin, ['--config', config, 'update', '--no-restart'], { timeout: 300_000 });

    await list('cd'.repeat(32));
    const refused = (await update().then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: number; stderr: string } | undefined;
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('Nothing was replaced.');
    expect(existsSync(marker)).toBe(false);

    await list(createHash('sha256').update(bytes).digest('hex'));
    const updated = await update();
    expect(updated.stdout).toContain(`Updated the npm package scaleout-worker in ${prefix} from ${version} to 99.0.0`);
    expect(updated.stdout).toContain('Not restarted (--no-restart)');
    expect(existsSync(marker)).toBe(true);
    expect((await run(bin, ['--version'])).stdout.trim()).toBe(version);
  }, 300_000);
});
