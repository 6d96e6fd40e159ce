import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, getWorker, listWorkers } from '../../../contracts/management/endpoints.js';
import { heartbeat } from '../../../contracts/worker-protocol.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerIdentity } from '../../support/test-worker.js';
import { lines, masterEnv, runInProcess, type CliRunOptions } from './harness.js';

describe('scaleout worker', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  let dir: string;
  const cli = (args: string[], options: CliRunOptions = {}) => runInProcess(args, { env, cwd: dir, ...options });
  const workerNamed = async (name: string) => (await master.admin(listWorkers, {})).workers.find((w) => w.displayName === name);
  const identity = async (name: string): Promise<WorkerIdentity & { pemFile: string }> => {
    const id = await createWorkerIdentity(name);
    const pemFile = join(dir, `${name}.crt`);
    writeFileSync(pemFile, id.certPem);
    return { ...id, pemFile };
  };

  beforeAll(async () => {
    master = await startTestMaster();
    env = masterEnv(master);
    dir = mkdtempSync(join(tmpdir(), 'scaleout-cli-workers-'));
  });
  afterAll(async () => {
    await master?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a worker from its PEM certificate: shows what the master validated and the next steps, adds it disabled', async () => {
    const node = await identity('node-a');
    const result = await cli(['worker', 'add', '--cert', 'node-a.crt', '--tag', 'linux', '--tag', 'python', '--max-tasks', '4', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('validated by the master');
    expect(result.stdout).toMatch(new RegExp(`SHA-1 +${node.thumbprintSha1}`));
    expect(result.stdout).toMatch(/Subject +CN=node-a/);
    expect(result.stdout).toContain('leave it disabled until you enable it');
    expect(result.stdout).toContain(`MasterHttpsCertThumbprint = ${master.host.certificateThumbprint}`);

    const added = await workerNamed('node-a');
    expect(added).toMatchObject({ isEnabled: false, tags: ['linux', 'python'], maxTaskCount: 4 });
    expect(added!.certificate.thumbprintSha1).toBe(node.thumbprintSha1);
    expect(result.stdout).toContain(`Added worker ${added!.workerAgentId} (node-a), disabled.`);
    expect(result.stdout).toContain(`scaleout worker enable ${added!.workerAgentId}`);
  });

  it('adds a worker from a DER certificate file', async () => {
    const node = await identity('node-der');
    writeFileSync(join(dir, 'node-der.cer'), Buffer.from(node.derBase64, 'base64'));
    const result = await cli(['worker', 'add', '--cert', 'node-der.cer', '--yes', '--json']);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as { worker: { workerAgentId: string }; nextSteps: string[] };
    expect(answer.nextSteps.at(-1)).toContain(`scaleout worker enable ${answer.worker.workerAgentId}`);
    // With --json the plan is still shown to the person at the terminal, on stderr.
    expect(result.stderr).toContain('This will:');
    expect((await workerNamed('node-der'))?.certificate.thumbprintSha256).toBe(node.thumbprintSha256);
  });

  it("adds a worker from the worker's config file, reading its certificate and WorkerSettings, ignoring other keys", async () => {
    const node = await identity('node-cfg');
    writeFileSync(
      join(dir, 'worker-config.json'),
      JSON.stringify({
        MasterEndpoint: master.url,
        WorkerHttpsCertThumbprint: node.thumbprintSha1.toUpperCase(),
        WorkerCertificateFile: 'node-cfg.crt',
        WorkerKeyFile: 'node-cfg.key',
        DisplayName: 'Config Box',
        Description: 'from scaleout-worker init',
        MaxTaskCount: 6,
        TasksRootFolder: '/var/lib/scaleout/tasks',
        SomethingNew: { nested: true },
      }),
    );
    const result = await cli(['worker', 'add', '--config', 'worker-config.json', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('Note:');
    expect(await workerNamed('Config Box')).toMatchObject({
      description: 'from scaleout-worker init',
      maxTaskCount: 6,
      machineName: 'node-cfg',
      certificate: { thumbprintSha1: node.thumbprintSha1 },
    });
  });

  it("adds by thumbprint when the config's certificate file cannot be read, and says so", async () => {
    const node = await createWorkerIdentity('node-far');
    writeFileSync(
      join(dir, 'far-config.json'),
      JSON.stringify({ WorkerSettings: { WorkerHttpsCertThumbprint: node.thumbprintSha1, WorkerCertificateFile: 'missing.crt', DisplayName: 'node-far' } }),
    );
    const result = await cli(['worker', 'add', '--config', 'far-config.json', '--yes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Note: WorkerCertificateFile');
    expect(result.stdout).toContain('no such file; adding by WorkerHttpsCertThumbprint instead');
    expect(result.stdout).toContain(`by thumbprint ${node.thumbprintSha1}`);
    const added = await workerNamed('node-far');
    expect(added?.certificate).toMatchObject({ thumbprintSha1: node.thumbprintSha1, notAfter: null });
  });

  it('says which key a config file lacks', async () => {
    writeFileSync(join(dir, 'bare-config.json'), JSON.stringify({ DisplayName: 'bare', MaxTaskCount: 2 }));
    const result = await cli(['worker', 'add', '--config', 'bare-config.json', '--yes']);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      `error: --config ${join(dir, 'bare-config.json')}: has no WorkerHttpsCertThumbprint (nor WorkerCertificateFile); give --thumbprint or --cert instead`,
    ]);
  });

  it('asks for confirmation on a terminal: "n" changes nothing (exit 6), "y" adds', async () => {
    await identity('node-ask');
    const declined = await cli(['worker', 'add', '--cert', 'node-ask.crt'], { interactive: true, answers: ['n'] });
    expect(declined.questions).toEqual(['Add this worker? [y/N] ']);
    expect(declined.code).toBe(6);
    expect(declined.stderr).toBe('Canceled: nothing was changed.\n');
    expect(await workerNamed('node-ask')).toBeUndefined();

    const accepted = await cli(['worker', 'add', '--cert', 'node-ask.crt'], { interactive: true, answers: ['y'] });
    expect(accepted.code).toBe(0);
    expect(await workerNamed('node-ask')).toBeDefined();
  });

  it('refuses to add without a terminal and without --yes, before contacting the master; --dry-run only shows the plan', async () => {
    await identity('node-script');
    const refused = await cli(['worker', 'add', '--cert', 'node-script.crt']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(lines(refused.stderr)).toEqual([
      'error: adding a worker needs a confirmation and stdin is not a terminal: pass --yes to confirm (or --dry-run to see the plan)',
    ]);

    const dryRun = await cli(['worker', 'add', '--cert', 'node-script.crt', '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('This will:');
    expect(await workerNamed('node-script')).toBeUndefined();
    // Listening on loopback only: the worker runs on this machine, and localhost is what it reaches.
    expect(dryRun.stdout).toContain(`MasterEndpoint = ${master.url}`);
  });

  it('tells a worker on another machine the master by this machine\'s name when the master listens beyond loopback (SCALEOUT_HOST=0.0.0.0)', async () => {
    const everywhere = await startTestMaster({ env: { SCALEOUT_HOST: '0.0.0.0' } });
    try {
      const plan = await runInProcess(['worker', 'add', '--thumbprint', 'ab'.repeat(20), '--name', 'etl-02', '--dry-run'], { env: masterEnv(everywhere), cwd: dir });
      expect(plan.code, plan.stderr).toBe(0);
      const port = new URL(everywhere.url).port;
      expect(plan.stdout).toContain(`MasterEndpoint = https://${hostname().toLowerCase()}:${port} (scaleout-worker init --master does that).`);
      expect(plan.stdout).not.toContain('MasterEndpoint = https://localhost');
    } finally {
      await everywhere.stop();
    }
  });

  it('refuses bad certificate files, naming the file, and an expired certificate with the reason from the master', async () => {
    writeFileSync(join(dir, 'garbage.crt'), 'this is not a certificate');
    const garbage = await cli(['worker', 'add', '--cert', 'garbage.crt', '--yes']);
    expect(garbage.code).toBe(2);
    expect(lines(garbage.stderr)).toEqual([`error: --cert ${join(dir, 'garbage.crt')}: not an X.509 certificate in PEM or DER form`]);

    const node = await createWorkerIdentity('node-key');
    writeFileSync(join(dir, 'only.key'), node.keyPem);
    const keyOnly = await cli(['worker', 'add', '--cert', 'only.key', '--yes']);
    expect(keyOnly.code).toBe(2);
    expect(keyOnly.stderr).toContain('holds no certificate (found a PRIVATE KEY block)');

    const missing = await cli(['worker', 'add', '--cert', 'nowhere.crt', '--yes']);
    expect(missing.code).toBe(2);
    expect(lines(missing.stderr)).toEqual([`error: --cert ${join(dir, 'nowhere.crt')}: no such file`]);

    const old = await createWorkerIdentity('node-old', { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    writeFileSync(join(dir, 'old.crt'), old.certPem);
    const expired = await cli(['worker', 'add', '--cert', 'old.crt', '--yes']);
    expect(expired.code).toBe(1);
    expect(lines(expired.stderr)).toHaveLength(1);
    expect(expired.stderr).toMatch(/^error: Certificate: expired on \d{4}-/);
    expect(await workerNamed('node-old')).toBeUndefined();
  });

  it("worker add --help names the worker's WorkerSettings.json and writes its examples the way the README does", async () => {
    const help = await cli(['worker', 'add', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--config <file>\s+the worker's WorkerSettings\.json\n/);
    expect(help.stdout).toContain('$ scaleout worker add --config /var/lib/scaleout-worker/WorkerSettings.json');
    expect(help.stdout).not.toMatch(/config\.json/);
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('scaleout worker add --thumbprint <the thumbprint init printed>');
    expect(readme).not.toContain('node bin/');
  });

  it('lists workers as a table and as the API JSON, and shows one by ID, ID prefix or name', async () => {
    const table = await cli(['worker', 'list']);
    expect(table.code).toBe(0);
    const [header, ...rows] = lines(table.stdout);
    expect(header).toMatch(/^ID +NAME +STATUS +TASKS +AGENT +TAGS +LAST ONLINE$/);
    expect(rows.find((r) => r.includes(' node-a '))).toMatch(/node-a +disabled +0\/4 +- +linux, python +never/);

    const json = await cli(['worker', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(await master.admin(listWorkers, {}));

    const nodeA = (await workerNamed('node-a'))!;
    for (const reference of [nodeA.workerAgentId, nodeA.workerAgentId.slice(0, 8), 'NODE-A']) {
      const shown = await cli(['worker', 'show', reference]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`^ID +${nodeA.workerAgentId}$`, 'm'));
      expect(shown.stdout).toMatch(/^Tasks +0 running of 4 \(MaxTaskCount\)$/m);
    }
    const shownJson = await cli(['worker', 'show', 'node-a', '--json']);
    expect(JSON.parse(shownJson.stdout)).toEqual(await master.admin(getWorker, { params: { workerAgentId: nodeA.workerAgentId } }));
  });

  it("flags an agent older than the master's version in the list and in show, and says what to do", async () => {
    const { masterVersion } = await master.admin(listWorkers, {});
    const [major, minor, patch] = masterVersion.split('.').map(Number) as [number, number, number];
    const older = minor > 0 ? `${major}.${minor - 1}.${patch}` : `${major - 1}.9.9`;
    for (const [name, agentVersion] of [['agent-old', older], ['agent-current', masterVersion]] as const) {
      const node = await identity(name);
      await master.admin(addWorker, { body: { certificate: node.certPem } });
      const caller = workerCaller(node, master.url, master.host.certificateThumbprint!);
      await caller(heartbeat, { body: { tasks: [], agent: { agentVersion, os: 'Linux', machineName: name, userAccount: 'svc' } } });
      caller.close();
    }
    const table = await cli(['worker', 'list']);
    expect(table.code).toBe(0);
    const rows = lines(table.stdout);
    expect(rows.find((r) => r.includes(' agent-old '))).toMatch(new RegExp(` ${older.replace(/\./g, '\\.')} \\(outdated\\) `));
    expect(rows.find((r) => r.includes(' agent-current '))).toContain(` ${masterVersion} `);
    expect(rows.find((r) => r.includes(' agent-current '))).not.toContain('outdated');
    expect(rows.at(-1)).toMatch(new RegExp(`^1 of \\d+ agents are older than the master \\(${masterVersion.replace(/\./g, '\\.')}\\): run \`scaleout-worker update\` on those machines\\.$`));
    expect((await workerNamed('agent-old'))!.agentOutdated).toBe(true);
    expect((await workerNamed('agent-current'))!.agentOutdated).toBe(false);
    const shown = await cli(['worker', 'show', 'agent-old']);
    expect(shown.stdout).toMatch(new RegExp(`^Agent +${older.replace(/\./g, '\\.')} \\(outdated\\) on Linux as svc$`, 'm'));
  });

  it('enables, disables and sets properties (set_worker_agent_property)', async () => {
    const nodeA = (await workerNamed('node-a'))!;
    const enabled = await cli(['worker', 'enable', 'node-a']);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toContain(`Worker ${nodeA.workerAgentId} (node-a) is enabled`);
    expect((await master.admin(getWorker, { params: { workerAgentId: nodeA.workerAgentId } })).isEnabled).toBe(true);

    const set = await cli(['worker', 'set', 'node-a', '--description', 'rack 4', '--tags', 'linux,gpu', '--max-tasks', '8']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/Tags +gpu, linux/);
    expect(await master.admin(getWorker, { params: { workerAgentId: nodeA.workerAgentId } })).toMatchObject({
      description: 'rack 4',
      tags: ['gpu', 'linux'],
      maxTaskCount: 8,
    });

    const cleared = await cli(['worker', 'set', nodeA.workerAgentId, '--tags', '', '--name', 'Node A']);
    expect(cleared.code).toBe(0);
    expect(await master.admin(getWorker, { params: { workerAgentId: nodeA.workerAgentId } })).toMatchObject({ tags: [], displayName: 'Node A' });

    const disabled = await cli(['worker', 'disable', 'Node A']);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain('is disabled: it takes no new task');
    expect((await master.admin(getWorker, { params: { workerAgentId: nodeA.workerAgentId } })).isEnabled).toBe(false);
  });

  it('rejects set without changes, and bad values, naming the option', async () => {
    const none = await cli(['worker', 'set', 'Node A']);
    expect(none.code).toBe(2);
    expect(lines(none.stderr)).toEqual(['error: give at least one of --name, --description, --tag/--tags, --max-tasks']);

    const zero = await cli(['worker', 'set', 'Node A', '--max-tasks', '0']);
    expect(zero.code).toBe(2);
    expect(lines(zero.stderr)).toEqual(["error: option '--max-tasks <n>' argument '0' is invalid. expected a whole number of 1 or more."]);

    const badTag = await cli(['worker', 'set', 'Node A', '--tag', 'no spaces']);
    expect(badTag.code).toBe(2);
    expect(lines(badTag.stderr)).toEqual(['error: --tag: letters, digits, dot, dash and underscore']);
  });

  it('reports an unknown worker with exit code 4 on every command that takes one', async () => {
    for (const args of [['show', 'nope'], ['enable', 'nope'], ['disable', 'nope'], ['set', 'nope', '--name', 'x'], ['remove', 'nope', '--yes']]) {
      const result = await cli(['worker', ...args]);
      expect(result.code, args.join(' ')).toBe(4);
      expect(lines(result.stderr)).toEqual(["error: worker 'nope' was not found (scaleout worker list shows them)"]);
    }
  });

  it('removes a worker after confirmation', async () => {
    const target = (await workerNamed('node-der'))!;
    const declined = await cli(['worker', 'remove', 'node-der'], { interactive: true, answers: [''] });
    expect(declined.questions).toEqual([`Remove worker ${target.workerAgentId} (node-der)? [y/N] `]);
    expect(declined.code).toBe(6);
    expect(await workerNamed('node-der')).toBeDefined();

    const removed = await cli(['worker', 'remove', 'node-der', '--yes']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`Removed worker ${target.workerAgentId} (node-der).\n`);
    expect(await workerNamed('node-der')).toBeUndefined();
  });
});
