import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../worker-agent/config/load-config.js';
import { parseWorkerSettings, settingSpecs, settingsToFile, type WorkerSettings } from '../../worker-agent/config/settings.js';
import { formatTimeSpan, parseDuration } from '../../worker-agent/config/time-span.js';
import { generateWorkerIdentity } from '../../worker-agent/identity/certificate.js';

const context = { configDir: '/srv/worker', machineName: 'ETL-01' };

describe('durations in the settings file', () => {
  it('reads SSIS time spans and unit suffixes', () => {
    expect(parseDuration('00:00:10')).toBe(10_000);
    expect(parseDuration('00:01:00')).toBe(60_000);
    expect(parseDuration('7.00:00:00')).toBe(7 * 86_400_000);
    expect(parseDuration('00:00:01.5')).toBe(1500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('25:00:00')).toBeUndefined();
    expect(parseDuration('10 seconds')).toBeUndefined();
  });

  it('writes them back as SSIS does', () => {
    expect(formatTimeSpan(10_000)).toBe('00:00:10');
    expect(formatTimeSpan(600_000)).toBe('00:10:00');
    expect(formatTimeSpan(7 * 86_400_000)).toBe('7.00:00:00');
    expect(formatTimeSpan(1500)).toBe('00:00:01.500');
  });
});

describe('worker settings', () => {
  it("takes SSIS's defaults for everything but the master's address", () => {
    const parsed = parseWorkerSettings({ MasterEndpoint: 'https://master.example.com:8391' }, context);
    expect(parsed.ok && parsed.settings).toEqual<WorkerSettings>({
      displayName: 'ETL-01',
      description: '',
      masterEndpoint: 'https://master.example.com:8391',
      masterHttpsCertThumbprint: undefined,
      workerHttpsCertThumbprint: undefined,
      workerCertificateFile: '/srv/worker/worker-certificate.pem',
      workerKeyFile: '/srv/worker/worker-key.pem',
      agentHeartbeatIntervalMs: 60_000,
      doorbellPollIntervalMs: 1500,
      taskHeartbeatIntervalMs: 10_000,
      heartbeatErrorToleranceMs: 600_000,
      maxTaskCount: 10,
      tasksRootFolder: '/srv/worker/tasks',
      executionLogCacheFolder: '/srv/worker/log-cache',
      executionLogRetryTimeoutMs: 7 * 86_400_000,
      taskRequestMaxCpuPercent: 70,
      taskRequestMinMemoryMb: 100,
      taskCancelGracePeriodMs: 10_000,
      drainTimeoutMs: 300_000,
      agentLogFolder: '/srv/worker/logs',
    });
  });

  it('lists every bad setting and why, not just the first', () => {
    const parsed = parseWorkerSettings(
      {
        MasterEndpoint: 'http://master.example.com',
        MasterHttpsCertThumbprint: 'not-hex',
        AgentHeartbeatInterval: '1 minute',
        TaskHeartbeatInterval: '00:00:00.200',
        MaxTaskCount: 0,
        TaskRequestMaxCPU: 150,
        TaskRequestMinMemory: 'lots',
        DisplayName: '   ',
        Maxtaskcount: 4,
        Colour: 'blue',
      },
      context,
    );
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems).toEqual([
      { setting: 'Maxtaskcount', reason: 'unknown setting; did you mean MaxTaskCount?' },
      { setting: 'Colour', reason: 'unknown setting' },
      { setting: 'DisplayName', reason: 'must not be empty' },
      { setting: 'MasterEndpoint', reason: 'must be an https:// address (http:// only for localhost)' },
      { setting: 'MasterHttpsCertThumbprint', reason: 'must be a SHA-1 (40 hex digits) or SHA-256 (64 hex digits) thumbprint' },
      { setting: 'AgentHeartbeatInterval', reason: '"1 minute" is not a time span: write hh:mm:ss (e.g. 00:00:10) or 10s' },
      { setting: 'TaskHeartbeatInterval', reason: 'must be at least 00:00:01' },
      { setting: 'MaxTaskCount', reason: 'must be between 1 and 1000' },
      { setting: 'TaskRequestMaxCPU', reason: 'must be between 1 and 100' },
      { setting: 'TaskRequestMinMemory', reason: '"lots" is not a number' },
    ]);
  });

  it('requires the master address', () => {
    const parsed = parseWorkerSettings({}, context);
    expect(!parsed.ok && parsed.problems).toEqual([
      { setting: 'MasterEndpoint', reason: 'is required: the master address, e.g. https://master.example.com:8391' },
    ]);
  });

  it('refuses a heartbeat error tolerance shorter than the heartbeat interval', () => {
    const parsed = parseWorkerSettings(
      { MasterEndpoint: 'https://m:8391', TaskHeartbeatInterval: '00:01:00', HeartbeatErrorTolerance: '00:00:30' },
      context,
    );
    expect(!parsed.ok && parsed.problems).toEqual([
      { setting: 'HeartbeatErrorTolerance', reason: 'must be at least TaskHeartbeatInterval (00:01:00)' },
    ]);
  });

  it('accepts an SSIS setting that has no meaning here with a warning that says what to do instead', () => {
    const parsed = parseWorkerSettings({ MasterEndpoint: 'https://m:8391', StoreLocation: 'LocalMachine', LeaseInterval: '00:01:00' }, context);
    expect(parsed.ok).toBe(true);
    expect(parsed.warnings.map((w) => w.setting)).toEqual(['StoreLocation', 'LeaseInterval']);
    expect(parsed.warnings[0]?.reason).toContain('WorkerCertificateFile');
  });

  it('writes the file with SSIS names and time spans, and reads it back to the same settings', () => {
    const parsed = parseWorkerSettings({ MasterEndpoint: 'https://m:8391', MaxTaskCount: '4' }, context);
    if (!parsed.ok) throw new Error('unexpected');
    const file = settingsToFile(parsed.settings);
    expect(file).toMatchObject({ AgentHeartbeatInterval: '00:01:00', HeartbeatErrorTolerance: '00:10:00', MaxTaskCount: 4 });
    const again = parseWorkerSettings(JSON.parse(JSON.stringify(file)), context);
    expect(again.ok && again.settings).toEqual(parsed.settings);
  });
});

describe('loading the configuration with the files it points at', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scaleout-worker-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function writeIdentity(name: string): Promise<void> {
    const identity = await generateWorkerIdentity({ commonName: name, validDays: 30 });
    writeFileSync(join(dir, `${name}.pem`), identity.certificatePem);
    writeFileSync(join(dir, `${name}-key.pem`), identity.privateKeyPem, { mode: 0o600 });
  }

  it('reports problems in the file and in the files it names together', async () => {
    writeFileSync(join(dir, 'w.json'), JSON.stringify({ MasterEndpoint: 'https://m:8391', MaxTaskCount: -1 }));
    const loaded = await loadWorkerConfig(join(dir, 'w.json'), { machineName: 'w', now: new Date() });
    expect(!loaded.ok && loaded.problems).toEqual([
      { setting: 'MaxTaskCount', reason: 'must be between 1 and 1000' },
      { setting: 'WorkerCertificateFile', reason: `${join(dir, 'worker-certificate.pem')} does not exist` },
      { setting: 'WorkerKeyFile', reason: `${join(dir, 'worker-key.pem')} does not exist` },
    ]);
  });

  it('refuses a key that is not the certificate’s, and a thumbprint that is not the certificate’s', async () => {
    await writeIdentity('a');
    await writeIdentity('b');
    const base = { MasterEndpoint: 'https://m:8391', WorkerCertificateFile: 'a.pem' };
    writeFileSync(join(dir, 'mismatch.json'), JSON.stringify({ ...base, WorkerKeyFile: 'b-key.pem' }));
    const mismatch = await loadWorkerConfig(join(dir, 'mismatch.json'), { machineName: 'w', now: new Date() });
    expect(!mismatch.ok && mismatch.problems).toEqual([
      { setting: 'WorkerKeyFile', reason: 'is not the private key of the certificate in WorkerCertificateFile' },
    ]);
    writeFileSync(join(dir, 'thumb.json'), JSON.stringify({ ...base, WorkerKeyFile: 'a-key.pem', WorkerHttpsCertThumbprint: 'AB'.repeat(20) }));
    const thumb = await loadWorkerConfig(join(dir, 'thumb.json'), { machineName: 'w', now: new Date() });
    expect(!thumb.ok && thumb.problems[0]?.setting).toBe('WorkerHttpsCertThumbprint');
  });

  it('refuses an expired certificate and warns about a key others can read', async () => {
    await writeIdentity('a');
    chmodSync(join(dir, 'a-key.pem'), 0o644);
    writeFileSync(join(dir, 'w.json'), JSON.stringify({ MasterEndpoint: 'https://m:8391', WorkerCertificateFile: 'a.pem', WorkerKeyFile: 'a-key.pem' }));
    const later = new Date(Date.now() + 40 * 86_400_000);
    const loaded = await loadWorkerConfig(join(dir, 'w.json'), { machineName: 'w', now: later });
    expect(!loaded.ok && loaded.problems[0]?.reason).toMatch(/^the certificate expired on /);
    expect(loaded.warnings).toEqual([{ setting: 'WorkerKeyFile', reason: `${join(dir, 'a-key.pem')} can be read by other accounts (mode 644): chmod 600 it` }]);
    const now = await loadWorkerConfig(join(dir, 'w.json'), { machineName: 'w', now: new Date() });
    expect(now.ok).toBe(true);
  });

  it('says how to create the file when there is none', async () => {
    const loaded = await loadWorkerConfig(join(dir, 'missing.json'), { machineName: 'w', now: new Date() });
    expect(!loaded.ok && loaded.problems[0]?.reason).toBe(
      `no settings file at ${join(dir, 'missing.json')}: create one with \`scaleout-worker init --master <URL>\``,
    );
  });
});

describe('the documentation', () => {
  it('lists every setting the agent reads, with its default', () => {
    const readme = readFileSync(new URL('../../worker-agent/README.md', import.meta.url), 'utf8');
    for (const s of settingSpecs) {
      const row = readme.split('\n').find((line) => line.startsWith(`| ${s.name} |`));
      expect(row, s.name).toBeDefined();
      // Numbers and time spans are documented as they are; paths and the machine name in words.
      const fallback = s.fallback(context);
      if (/^\d/.test(String(fallback))) expect(row).toContain(`| ${String(fallback)} |`);
    }
  });
});
