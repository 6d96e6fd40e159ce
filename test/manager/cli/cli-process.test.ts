import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployProject, getExecution, listWorkers } from '../../../contracts/management/endpoints.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { lines, masterEnv, runProcess } from './harness.js';

/** The compiled `scaleout` as a user runs it: a child process, no terminal, its own environment. */
describe('scaleout as a process', () => {
  let master: TestMaster;
  let home: string;
  const configIn = (name: string): string => join(home, name, 'config.json');

  beforeAll(async () => {
    master = await startTestMaster();
    home = mkdtempSync(join(tmpdir(), 'scaleout-cli-home-'));
  });
  afterAll(async () => {
    await master?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('prints its version and teaches in --help: commands, SSISDB counterparts, examples, exit codes', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const version = await runProcess(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `scaleout ${pkg.version}\n`, stderr: '' });

    const help = await runProcess(['--help']);
    expect(help.code).toBe(0);
    for (const group of ['connect', 'master', 'worker', 'project', 'package', 'execution', 'schedule', 'apikey', 'audit']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
    }
    expect(help.stdout).toContain('Exit codes:');
    // Inside a package, the task credential: what it allows and how a shell package fans out.
    expect(help.stdout).toMatch(/SCALEOUT_TASK_CREDENTIAL, SCALEOUT_MASTER_URL .*\n(.*\n)*.*--key p\$p --wait \|\| exit 1/);
    expect(help.stdout).toMatch(/^ {2}4 +not found/m);
    expect(help.stdout).toMatch(/^ {2}13 +--wait: timed out/m);

    const run = await runProcess(['execution', 'run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('SSISDB: create_execution + start_execution');
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('--timeout <duration>');
  });

  it('says it is not connected, in one line on stderr, with exit code 3', async () => {
    const result = await runProcess(['worker', 'list'], { env: { SCALEOUT_CONFIG: configIn('none') } });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      'error: not connected to a master: run scaleout connect <url> (or set SCALEOUT_MASTER and SCALEOUT_API_KEY)',
    ]);
  });

  it('exits 2 on usage errors, naming what is wrong', async () => {
    const env = masterEnv(master);
    const unknown = await runProcess(['worker', 'frobnicate'], { env });
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual(["error: unknown command 'frobnicate'"]);

    const badId = await runProcess(['execution', 'show', 'abc'], { env });
    expect(badId.code).toBe(2);
    expect(lines(badId.stderr)).toHaveLength(1);
    expect(badId.stderr).toContain('an execution ID is a positive whole number');

    const typo = await runProcess(['wroker', 'list'], { env });
    expect(typo.code).toBe(2);
    expect(lines(typo.stderr)).toEqual(["error: unknown command 'wroker' (Did you mean worker?)"]);
  });

  it("refuses a master whose certificate the system does not trust, showing the thumbprint to pin", async () => {
    const config = configIn('untrusted');
    const result = await runProcess(['connect', master.url, '--api-key-stdin'], {
      env: { SCALEOUT_CONFIG: config },
      stdin: `${master.adminKey}\n`,
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(master.host.certificateThumbprint);
    expect(result.stderr).toContain(`scaleout connect ${master.url} --thumbprint ${master.host.certificateThumbprint}`);
    expect(lines(result.stderr).at(-1)).toBe(
      "error: the master's certificate is not trusted; pin it with --thumbprint (or accept it with --trust-on-first-use)",
    );
    expect(existsSync(config)).toBe(false);
  });

  it('connects with a pinned thumbprint and a key from stdin, writing a 0600 file the next commands use', async () => {
    const config = configIn('pinned');
    const result = await runProcess(['connect', master.url, '--thumbprint', master.host.certificateThumbprint.toUpperCase(), '--api-key-stdin'], {
      env: { SCALEOUT_CONFIG: config },
      stdin: `${master.adminKey}\n`,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Connected to ${master.url}`);
    expect(result.stdout).toContain(`Saved to ${config}`);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({
      master: master.url,
      apiKey: master.adminKey,
      masterThumbprint: master.host.certificateThumbprint,
    });

    const status = await runProcess(['master', 'status', '--json'], { env: { SCALEOUT_CONFIG: config } });
    expect(status.code).toBe(0);
    expect(status.stderr).toBe('');
    expect(JSON.parse(status.stdout)).toMatchObject({ version: expect.any(String), certificateThumbprint: master.host.certificateThumbprint });
  });

  it('disconnect forgets the stored connection', async () => {
    const config = configIn('forget');
    const connect = await runProcess(['connect', master.url, '--thumbprint', master.host.certificateThumbprint, '--api-key', master.adminKey], {
      env: { SCALEOUT_CONFIG: config },
    });
    expect(connect.code).toBe(0);
    const forget = await runProcess(['disconnect'], { env: { SCALEOUT_CONFIG: config } });
    expect(forget).toMatchObject({ code: 0, stdout: `Forgot the connection to ${master.url} (removed ${config}).\n`, stderr: '' });
    expect(existsSync(config)).toBe(false);
    expect((await runProcess(['master', 'status'], { env: { SCALEOUT_CONFIG: config } })).code).toBe(3);
  });

  it('pins on first use when asked to', async () => {
    const config = configIn('tofu');
    const result = await runProcess(['connect', master.url, '--trust-on-first-use', '--api-key', master.adminKey], {
      env: { SCALEOUT_CONFIG: config },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Trusting the master');
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ masterThumbprint: master.host.certificateThumbprint });
  });

  it('needs no pin for a master the system trusts', async () => {
    const ca = join(home, 'master-ca.pem');
    writeFileSync(ca, master.host.certificatePem);
    const config = configIn('trusted');
    const result = await runProcess(['connect', master.url, '--api-key', master.adminKey], {
      env: { SCALEOUT_CONFIG: config, NODE_EXTRA_CA_CERTS: ca },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('Pinned');
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ masterThumbprint: null });
  });

  it('exits 5 on a wrong API key, when connecting and when calling, and writes no file', async () => {
    const config = configIn('wrong-key');
    const wrongKey = `${master.adminKey.slice(0, -4)}AAAA`;
    const connect = await runProcess(['connect', master.url, '--thumbprint', master.host.certificateThumbprint, '--api-key', wrongKey], {
      env: { SCALEOUT_CONFIG: config },
    });
    expect(connect.code).toBe(5);
    expect(lines(connect.stderr)).toEqual(['error: the master refused the API key: wrong API key']);
    expect(existsSync(config)).toBe(false);

    const call = await runProcess(['worker', 'list'], { env: masterEnv(master, wrongKey) });
    expect(call.code).toBe(5);
    expect(call.stdout).toBe('');
    expect(lines(call.stderr)).toHaveLength(1);
    expect(call.stderr).toMatch(/^error: wrong API key/);
  });

  it('exits 3 when the master cannot be reached', async () => {
    const env = { ...masterEnv(master), SCALEOUT_MASTER: 'https://127.0.0.1:9' };
    const result = await runProcess(['master', 'status'], { env });
    expect(result.code).toBe(3);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: cannot reach the master at https:\/\/127\.0\.0\.1:9: .*ECONNREFUSED.*\(is the master running\?\)/);
  });

  it('keeps stdout to the JSON with --json and to the table otherwise, with no colors off a terminal', async () => {
    const env = masterEnv(master);
    const json = await runProcess(['worker', 'list', '--json'], { env });
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual(await master.admin(listWorkers, {}));

    const table = await runProcess(['master', 'status'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Scale Out +(enabled|not enabled)/m);
    expect(table.stdout).not.toContain('\u001b[');
  });

  it('stops waiting on Ctrl-C and exits 130, leaving the execution to run', async () => {
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    const child = spawn(process.execPath, ['dist/manager/cli/main.js', 'execution', 'run', 'Finance/ETL/load', '--wait'], {
      env: { PATH: process.env['PATH'], HOME: home, ...masterEnv(master) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (/is pending/.test(stdout)) resolve();
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const id = Number(/Started execution (\d+)/.exec(stdout)?.[1]);
    expect(lines(stderr)).toEqual([`error: stopped waiting; execution ${id} goes on (stop it: scaleout execution stop ${id})`]);
    expect((await master.admin(getExecution, { params: { executionId: id } })).status).toBe(5);
  });

  it('reports a not-found execution with exit code 4 and nothing on stdout', async () => {
    const result = await runProcess(['execution', 'show', '999999', '--json'], { env: masterEnv(master) });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual(["error: execution '999999' was not found"]);
  });
});
