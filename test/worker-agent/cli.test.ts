import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../worker-agent/config/load-config.js';
import { WorkerTokenSigner } from '../../worker-agent/identity/worker-token.js';
import { runCli, spawnCli } from './support/cli.js';
import { eventually } from './support/fake-clock.js';
import { claimedTask } from './support/fake-master.js';
import { HttpsMaster } from './support/https-master.js';
import { zipFolder } from './support/zip.js';

let root: string;
let master: HttpsMaster;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-cli-'));
  master = new HttpsMaster();
  await master.start();
});
afterAll(async () => {
  await master.stop();
  rmSync(root, { recursive: true, force: true });
});

const settingsOf = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

async function init(name: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const config = join(root, name, 'WorkerSettings.json');
  const result = await runCli(['--config', config, 'init', '--master', master.url, '--name', name, ...extra], env);
  return { config, ...result };
}

describe('scaleout-worker init', () => {
  it("creates an owner-only key, a client certificate, the settings file, and prints the thumbprint and the admin's command", async () => {
    const { config, code, stdout } = await init('etl-01', ['--max-tasks', '4', '--description', 'Finance loads']);
    expect(code).toBe(0);
    const dir = join(root, 'etl-01');
    expect(statSync(join(dir, 'worker-key.pem')).mode & 0o777).toBe(0o600);

    const certificate = new X509Certificate(readFileSync(join(dir, 'worker-certificate.pem')));
    const sha1 = certificate.fingerprint.replace(/:/g, '');
    const sha256 = certificate.fingerprint256.replace(/:/g, '');
    expect(stdout).toContain(`Thumbprint (SHA-1)   ${sha1}`);
    expect(stdout).toContain(`Thumbprint (SHA-256) ${sha256}`);
    expect(stdout).toContain(`  scaleout worker add --cert ${join(dir, 'worker-certificate.pem')} --name etl-01\n`);
    expect(certificate.subject).toBe('CN=etl-01');
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // clientAuth
    expect(certificate.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');

    expect(settingsOf(config)).toMatchObject({
      MasterEndpoint: master.url,
      DisplayName: 'etl-01',
      Description: 'Finance loads',
      MaxTaskCount: 4,
      WorkerHttpsCertThumbprint: sha1,
      AgentHeartbeatInterval: '00:01:00',
      TaskHeartbeatInterval: '00:00:10',
      HeartbeatErrorTolerance: '00:10:00',
      TaskRequestMaxCPU: 70,
      TaskRequestMinMemory: 100,
    });
  });

  it('signs tokens the master can verify against the certificate: x5t#S256, x5c, audience, lifetime ≤ 300 s', async () => {
    const { config } = await init('token-check');
    const loaded = await loadWorkerConfig(config, { machineName: 'x', now: new Date() });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const token = await new WorkerTokenSigner(loaded.config.identity, { audience: master.url, now: Date.now }).token();

    const certificatePem = readFileSync(join(root, 'token-check', 'worker-certificate.pem'), 'utf8');
    const der = new X509Certificate(certificatePem).raw;
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({
      alg: 'ES256',
      'x5t#S256': createHash('sha256').update(der).digest('base64url'),
      x5c: [der.toString('base64')],
    });
    const { payload } = await jwtVerify(token, await importX509(certificatePem, 'ES256'), { audience: master.url });
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(300);
    expect(String(payload.jti).length).toBeGreaterThanOrEqual(8);
    await expect(jwtVerify(token, await importX509(certificatePem, 'ES256'), { audience: 'https://another-master:8391' })).rejects.toThrow();
  });

  it('lists every bad flag and creates nothing', async () => {
    const config = join(root, 'bad', 'WorkerSettings.json');
    const result = await runCli(['--config', config, 'init', '--master', 'http://master.example.com', '--max-tasks', '0', '--master-thumbprint', 'xyz']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('Nothing was created; fix these and run init again:');
    expect(result.stderr).toContain('  - MasterEndpoint: must be an https:// address (http:// only for localhost)');
    expect(result.stderr).toContain('  - MasterHttpsCertThumbprint: must be a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint');
    expect(result.stderr).toContain('  - MaxTaskCount: must be between 1 and 1000');
    expect(existsSync(join(root, 'bad'))).toBe(false);
  });

  it('refuses to overwrite an initialized worker unless --force', async () => {
    const first = await init('twice');
    const again = await init('twice');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists: this worker is initialized. Use --force');
    expect(settingsOf(first.config).WorkerHttpsCertThumbprint).toBeTruthy();
  });

  it('takes an existing PEM certificate and key', async () => {
    const { config: source } = await init('pem-source');
    const dir = join(root, 'pem-source');
    const result = await init('pem-user', ['--cert', join(dir, 'worker-certificate.pem'), '--key', join(dir, 'worker-key.pem')]);
    expect(result.code).toBe(0);
    expect(settingsOf(result.config)).toMatchObject({
      WorkerCertificateFile: join(dir, 'worker-certificate.pem'),
      WorkerHttpsCertThumbprint: settingsOf(source).WorkerHttpsCertThumbprint,
    });
  });

  it.skipIf(!hasOpenssl())('imports a PFX (password from SCALEOUT_PFX_PASSWORD) into an owner-only key file', async () => {
    const dir = join(root, 'pfx-source');
    execFileSync('mkdir', ['-p', dir]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=pfx-worker', '-days', '30'], { stdio: 'ignore' });
    execFileSync('openssl', ['pkcs12', '-export', '-in', join(dir, 'c.pem'), '-inkey', join(dir, 'k.pem'), '-out', join(dir, 'w.pfx'), '-passout', 'pass:S3cret!'], { stdio: 'ignore' });
    const wrong = await init('pfx-wrong', ['--pfx', join(dir, 'w.pfx')], { SCALEOUT_PFX_PASSWORD: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot decrypt the PFX: wrong password/);
    const result = await init('pfx-user', ['--pfx', join(dir, 'w.pfx')], { SCALEOUT_PFX_PASSWORD: 'S3cret!' });
    expect(result.code).toBe(0);
    const sha1 = new X509Certificate(readFileSync(join(dir, 'c.pem'))).fingerprint.replace(/:/g, '');
    expect(result.stdout).toContain(`Thumbprint (SHA-1)   ${sha1}`);
    expect(statSync(join(root, 'pfx-user', 'worker-key.pem')).mode & 0o777).toBe(0o600);
    const loaded = await loadWorkerConfig(result.config, { machineName: 'x', now: new Date() });
    expect(loaded.ok).toBe(true);
  });
});

describe('scaleout-worker status', () => {
  it('says the master answers and accepts this worker once it is added', async () => {
    const { config } = await init('status-ok', ['--master-thumbprint', master.tls?.sha256 ?? '']);
    const refused = await runCli(['--config', config, 'status']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/Accepted\s+NO \(HTTP 401\): no worker agent is registered with this certificate \(add it with `scaleout worker add`\)/);

    master.register(readFileSync(join(root, 'status-ok', 'worker-certificate.pem'), 'utf8'));
    const accepted = await runCli(['--config', config, 'status']);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/Master\s+https:\/\/127\.0\.0\.1:\d+ answers \(pinned certificate matches\)/);
    expect(accepted.stdout).toMatch(/Accepted\s+yes: enabled, receives tasks/);
    expect(accepted.stdout).toMatch(/Agent\s+not running here/);
  });

  it('refuses a master whose certificate is not the pinned one', async () => {
    const { config } = await init('status-pin', ['--master-thumbprint', 'AB'.repeat(32)]);
    const result = await runCli(['--config', config, 'status']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/UNREACHABLE: .*is not the pinned one \(MasterHttpsCertThumbprint abab/);
  });
});

describe('scaleout-worker start', () => {
  it('refuses to start on invalid settings, naming every bad setting', async () => {
    const { config } = await init('start-bad');
    const settings = settingsOf(config);
    writeFileSync(config, JSON.stringify({ ...settings, MaxTaskCount: 0, HeartbeatErrorTolerance: 'soon', WorkerKeyFile: join(root, 'none.pem') }));
    const result = await runCli(['--config', config, 'start']);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`The worker cannot start: fix ${config}:`);
    expect(result.stderr).toContain('  - HeartbeatErrorTolerance: "soon" is not a time span');
    expect(result.stderr).toContain('  - MaxTaskCount: must be between 1 and 1000');
    expect(result.stderr).toContain(`  - WorkerKeyFile: ${join(root, 'none.pem')} does not exist`);

    // Under WinSW any non-zero exit is restarted by the service control manager: bad settings end the service cleanly.
    const underWinsw = await runCli(['--config', config, 'start'], { SCALEOUT_WORKER_SERVICE_WRAPPER: 'WinSW' });
    expect(underWinsw.code).toBe(0);
    expect(underWinsw.stderr).toContain('  - MaxTaskCount: must be between 1 and 1000');
    expect(underWinsw.stderr).toContain('Not restarted: fix the settings, then start the service again.');
  });

  it('runs a package end to end over HTTPS with a pinned master, then drains on SIGTERM', async () => {
    const { config } = await init('start-ok', ['--master-thumbprint', master.tls?.sha256 ?? '']);
    master.register(readFileSync(join(root, 'start-ok', 'worker-certificate.pem'), 'utf8'));
    const archive = await zipFolder(fileURLToPath(new URL('../fixtures/worker-packages/', import.meta.url)));
    master.archives.set(11, archive);
    const task = claimedTask({
      taskId: 9001,
      runner: 'process',
      entry: 'print-parameters.mjs',
      parameters: { Evil: '$(rm -rf ~); "\'`' },
      archive: { projectVersionId: 11, sha256: createHash('sha256').update(archive).digest('hex'), size: archive.length },
    });
    master.tasks.push(task);
    const handshakesBefore = master.tlsHandshakes;
    const requestsBefore = master.requests.length;
    const agent = spawnCli(['--config', config, 'start']);
    try {
      await eventually(() => master.completions.length > 0, 'the completion', 20_000);
      expect(master.completions[0]).toMatchObject({ taskId: 9001, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } });
      const printed = master.events.flatMap((e) => e.body.events).find((e) => e.source === 'stdout');
      expect(JSON.parse(printed?.message ?? '{}')).toMatchObject({ env: '$(rm -rf ~); "\'`' });
      // Every request carried a valid token; one heartbeat confirmed the lease before the package started.
      const requests = master.requests.slice(requestsBefore);
      const confirmed = requests.findIndex((r) => r.path === '/api/v1/agent/heartbeat' && (r.body as { tasks: unknown[] }).tasks.length === 1);
      expect(confirmed).toBeGreaterThan(-1);
      expect(confirmed).toBeLessThan(requests.findIndex((r) => r.path === '/api/v1/agent/archives/11'));
      // Keep-alive: far fewer TLS handshakes than requests.
      expect(requests.length).toBeGreaterThanOrEqual(6);
      expect(master.tlsHandshakes - handshakesBefore).toBeLessThanOrEqual(3);
    } finally {
      agent.child.kill('SIGTERM');
    }
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toContain('SIGTERM received');
    expect(agent.output()).toContain('draining: no new tasks');
    expect(readFileSync(join(root, 'start-ok', 'logs', 'scaleout-worker.log'), 'utf8')).toContain('task 9001.1');
  });
});

describe('scaleout-worker service', () => {
  it('writes a systemd unit that runs `start` with this settings file and drains on stop, and removes it', async () => {
    const { config } = await init('svc');
    const unitPath = join(root, 'svc', 'scaleout-worker.service');
    const installed = await runCli(['--config', config, 'service', 'install', '--unit-path', unitPath, '--user', 'scaleout', '--platform', 'linux']);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('systemctl enable --now scaleout-worker');
    const unit = readFileSync(unitPath, 'utf8');
    const script = realpathSync(fileURLToPath(new URL('../../bin/scaleout-worker.js', import.meta.url)));
    expect(unit).toContain(`ExecStart=${process.execPath} ${script} start --config ${config}\n`);
    expect(unit).toContain('User=scaleout\n');
    expect(unit).toContain('KillMode=mixed\n');
    expect(unit).toContain('TimeoutStopSec=340\n');
    expect(unit).toContain('RestartPreventExitStatus=78\n');

    const removed = await runCli(['service', 'uninstall', '--unit-path', unitPath, '--platform', 'linux']);
    expect(removed.code).toBe(0);
    expect(existsSync(unitPath)).toBe(false);
  });

  it('refuses the Windows service from a source checkout, which carries no wrapper, and writes nothing', async () => {
    const { config } = await init('svc-win');
    const result = await runCli(['--config', config, 'service', 'install', '--platform', 'win32']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('carries no Windows service wrapper (a source checkout)');
    expect(existsSync(join(root, 'svc-win', 'service'))).toBe(false);
  });

  it('start, stop and status go to systemctl on Linux', async () => {
    // A systemctl that records what it was asked: this machine runs no systemd.
    const bin = join(root, 'systemctl-bin');
    const calls = join(bin, 'calls');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> '${calls}'\n[ "$1" = is-active ] && { echo inactive; exit 3; }\nexit 0\n`, { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` };
    expect((await runCli(['service', 'start'], env)).code).toBe(0);
    expect((await runCli(['service', 'stop'], env)).code).toBe(0);
    const status = await runCli(['service', 'status'], env);
    expect(status).toMatchObject({ code: 3, stdout: 'inactive\n' });
    expect(readFileSync(calls, 'utf8')).toBe('start scaleout-worker\nstop scaleout-worker\nis-active scaleout-worker\n');
  });
});

describe('--help', () => {
  it('teaches: examples, defaults and the SSIS setting names', async () => {
    const init = await runCli(['init', '--help']);
    expect(init.stdout).toContain('scaleout worker add --cert <path to the certificate PEM> --name <DisplayName>');
    expect(init.stdout).toContain('scaleout-worker init --master https://master.example.com:8391');
    for (const name of ['MasterEndpoint', 'MasterHttpsCertThumbprint', 'AgentHeartbeatInterval', 'TaskHeartbeatInterval', 'HeartbeatErrorTolerance', 'MaxTaskCount', 'TasksRootFolder', 'ExecutionLogCacheFolder', 'TaskRequestMaxCPU', 'TaskRequestMinMemory']) {
      expect(init.stdout).toContain(name);
    }
    expect(init.stdout).toContain('Default 00:01:00');
    const start = await runCli(['start', '--help']);
    expect(start.stdout).toContain('A second signal stops at once');
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('Getting started, with an enrollment token');
    expect(top.stdout).toContain("scaleout-worker update takes the master's newer build");
    const update = await runCli(['update', '--help']);
    expect(update.stdout).toContain('A download whose SHA-256 is not the listed one replaces nothing (exit 1).');
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
