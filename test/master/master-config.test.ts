import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, hostingOf, parseMasterConfig } from '../../functions/config/master-config.js';
import { functionTable } from '../../functions/function-table.js';
import { projectRoot } from '../../functions/project.js';

function problemsOf(env: Record<string, string>, hosting: 'azure' | 'local' = 'local'): { setting: string; reason: string }[] {
  try {
    parseMasterConfig(env, hosting);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the master's configuration", () => {
  it('defaults to the one-box: SQLite under .data, files for keys, Azurite, slow timers, port 8391', () => {
    expect(parseMasterConfig({}, 'local')).toMatchObject({
      masterAddress: 'https://localhost:8391',
      catalog: { engine: 'sqlite', path: '.data/catalog.sqlite', synchronous: 'FULL' },
      keyStore: { kind: 'files', folder: '.data/keys' },
      eventQueue: { name: 'scaleout-events', storage: { kind: 'azurite' } },
      alarmQueueName: 'scaleout-alarms',
      leaseMs: 20_000,
      schedules: { safetySweep: '0 0 */2 * * *', cleanup: '0 0 */12 * * *' },
      localHost: { port: 8391, host: '127.0.0.1' },
    });
  });

  it('lists every bad setting at once, naming each and why', () => {
    const problems = problemsOf({
      SCALEOUT_LEASE_MS: 'soon',
      SCALEOUT_EVENT_QUEUE_NAME: 'No_Such Queue',
      SCALEOUT_SAFETY_SWEEP_SCHEDULE: '*/5 * * * *',
      SCALEOUT_LEASE_MSS: '3000',
    });
    expect(problems.map((p) => p.setting).sort()).toEqual([
      'SCALEOUT_EVENT_QUEUE_NAME',
      'SCALEOUT_LEASE_MS',
      'SCALEOUT_LEASE_MSS',
      'SCALEOUT_SAFETY_SWEEP_SCHEDULE',
    ]);
    expect(problems.find((p) => p.setting === 'SCALEOUT_LEASE_MSS')?.reason).toMatch(/unknown setting/);
    expect(problems.find((p) => p.setting === 'SCALEOUT_SAFETY_SWEEP_SCHEDULE')?.reason).toMatch(/6 fields/);
  });

  it.each([
    ['*/5 * * * *', /6 fields/],
    ['*/5 * * * * * *', /6 fields/],
    ['0 61 * * * *', /6 fields \(seconds first\): .+/],
    ['0 0 25 * * *', /6 fields \(seconds first\): .+/],
    ['*/5 * * * * funday', /6 fields \(seconds first\): .+/],
    ['0 0 0 30 2 *', /never fires/],
  ])('refuses the timer schedule %s, checked with croner', (schedule, reason) => {
    const problems = problemsOf({ SCALEOUT_CLEANUP_SCHEDULE: schedule });
    expect(problems.map((p) => p.setting)).toEqual(['SCALEOUT_CLEANUP_SCHEDULE']);
    expect(problems[0]?.reason).toMatch(reason);
  });

  it('takes any schedule croner reads in 6 fields: ranges, lists, steps and names', () => {
    expect(problemsOf({ SCALEOUT_CLEANUP_SCHEDULE: '0 30 1-5/2 * JAN,JUL MON-FRI', SCALEOUT_SAFETY_SWEEP_SCHEDULE: ' */30 * * * * * ' })).toEqual([]);
  });

  it("leaves alone the CLI's and the worker's own SCALEOUT_ variables, so one shell can run them all", () => {
    expect(
      problemsOf({ SCALEOUT_MASTER: 'https://m:8391', SCALEOUT_API_KEY: 'so_x', SCALEOUT_CONFIG: '/tmp/c', SCALEOUT_WORKER_CONFIG: '/tmp/w' }),
    ).toEqual([]);
  });

  it('requires in Azure what has no embedded fallback there', () => {
    expect(problemsOf({}, 'azure').map((p) => p.setting)).toEqual(
      expect.arrayContaining(['SCALEOUT_MASTER_ADDRESS', 'SCALEOUT_CATALOG_CONNECTION', 'SCALEOUT_KEY_VAULT_URL']),
    );
  });

  it('answers worker tokens addressed to any loopback spelling of the one-box, and to configured aliases', () => {
    const config = parseMasterConfig({ SCALEOUT_PORT: '9000', SCALEOUT_MASTER_ALIASES: 'https://ETL-MASTER:9000/' }, 'local');
    expect(config.masterAddresses).toEqual(
      expect.arrayContaining(['https://localhost:9000', 'https://127.0.0.1:9000', 'https://etl-master:9000']),
    );
  });

  it('chooses the hosting from the settings: SCALEOUT_HOSTING, else azure where App Service names the site', () => {
    expect(hostingOf({})).toBe('local');
    expect(hostingOf({ WEBSITE_SITE_NAME: 'func-scaleout-abc' })).toBe('azure');
    expect(hostingOf({ WEBSITE_SITE_NAME: 'func-scaleout-abc', SCALEOUT_HOSTING: 'local' })).toBe('local');
    expect(hostingOf({ SCALEOUT_HOSTING: 'azure' })).toBe('azure');
    expect(problemsOf({ SCALEOUT_HOSTING: 'cloud' })).toEqual([expect.objectContaining({ setting: 'SCALEOUT_HOSTING' })]);
    // The local host refuses a configuration written for Azure rather than quietly running it embedded.
    expect(problemsOf({ SCALEOUT_HOSTING: 'azure' }, 'local')).toEqual([
      { setting: 'SCALEOUT_HOSTING', reason: "this entry point runs the master with hosting 'local'" },
    ]);
  });

  it('names one Azure identity: the managed identity in Azure (a user-assigned one by client id), the developer’s sign-in locally', () => {
    expect(parseMasterConfig({}, 'local').azureIdentity).toEqual({ kind: 'developer' });
    const azure = {
      SCALEOUT_MASTER_ADDRESS: 'https://func-scaleout-abc.azurewebsites.net',
      SCALEOUT_CATALOG_CONNECTION: 'Server=tcp:sql.database.windows.net;Database=scaleout;Authentication=Active Directory Managed Identity',
      SCALEOUT_KEY_VAULT_URL: 'https://kv-scaleout-abc.vault.azure.net/',
      AzureWebJobsStorage__accountName: 'stscaleoutabc',
      AzureWebJobsStorage__credential: 'managedidentity',
      SCALEOUT_DOORBELL_CONNECTION: 'DefaultEndpointsProtocol=https;AccountName=stscaleoutabc;AccountKey=a2V5;EndpointSuffix=core.windows.net',
    };
    expect(parseMasterConfig(azure, 'azure').azureIdentity).toEqual({ kind: 'managed-identity' });
    // Each idle heartbeat is a billed second in Azure: idle workers with a doorbell beat every 10 min, shown offline after 20.
    expect(parseMasterConfig(azure, 'azure')).toMatchObject({ workerIdleHeartbeatMs: 600_000, workerOfflineAfterMs: 1_200_000 });
    const clientId = '11111111-2222-3333-4444-555555555555';
    expect(parseMasterConfig({ ...azure, SCALEOUT_MANAGED_IDENTITY_CLIENT_ID: clientId }, 'azure').azureIdentity).toEqual({ kind: 'managed-identity', clientId });
    expect(parseMasterConfig({ ...azure, AzureWebJobsStorage__clientId: clientId }, 'azure').azureIdentity).toEqual({ kind: 'managed-identity', clientId });
    expect(
      problemsOf({ ...azure, SCALEOUT_MANAGED_IDENTITY_CLIENT_ID: clientId, AzureWebJobsStorage__clientId: 'another' }, 'azure').map((p) => p.setting),
    ).toEqual(['SCALEOUT_MANAGED_IDENTITY_CLIENT_ID']);
  });

  it('reads UseDevelopmentStorage=true as Azurite on its default ports, as Core Tools does', () => {
    expect(parseMasterConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, 'local').eventQueue.storage).toEqual({
      kind: 'connection-string',
      connectionString: 'UseDevelopmentStorage=true',
    });
  });

  it('accepts local.settings.sample.json as given: the embedded default under func start, every timer scheduled', () => {
    const sample = JSON.parse(readFileSync(join(projectRoot(), 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
    const env = sample.Values;
    expect(hostingOf(env)).toBe('local');
    const config = parseMasterConfig(env, hostingOf(env));
    expect(config).toMatchObject({
      hosting: 'local',
      catalog: { engine: 'sqlite', path: '.data/catalog.sqlite' },
      keyStore: { kind: 'files', folder: '.data/keys' },
      eventQueue: { storage: { kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' } },
    });
    // Core Tools resolves each trigger's %SETTING% (a timer's schedule, a queue's name) from these values and
    // refuses to start a function without it.
    const namedSettings = functionTable.flatMap((fn) =>
      Object.entries(fn).flatMap(([field, value]) => (field.endsWith('Setting') && typeof value === 'string' ? [value] : [])),
    );
    expect(namedSettings.length).toBeGreaterThan(0);
    for (const setting of namedSettings) expect(env, setting).toHaveProperty(setting);
  });
});
