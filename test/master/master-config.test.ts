import { describe, expect, it } from 'vitest';
import { ConfigError, parseMasterConfig } from '../../functions/config/master-config.js';

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
  it('defaults to the one-box: SQLite under .data, files for keys, Azurite, SSIS timer defaults, port 8391', () => {
    expect(parseMasterConfig({}, 'local')).toMatchObject({
      masterAddress: 'https://localhost:8391',
      catalog: { engine: 'sqlite', path: '.data/catalog.sqlite', synchronous: 'FULL' },
      keyStore: { kind: 'files', folder: '.data/keys' },
      eventQueue: { name: 'scaleout-events', storage: { kind: 'azurite' } },
      leaseMs: 20_000,
      schedules: { masterHeartbeat: '*/30 * * * * *', cleanup: '0 0 */12 * * *' },
      localHost: { port: 8391, host: '127.0.0.1' },
    });
  });

  it('lists every bad setting at once, naming each and why', () => {
    const problems = problemsOf({
      SCALEOUT_LEASE_MS: 'soon',
      SCALEOUT_EVENT_QUEUE_NAME: 'No_Such Queue',
      SCALEOUT_EXPIRED_TASKS_SCHEDULE: '*/5 * * * *',
      SCALEOUT_LEASE_MSS: '3000',
    });
    expect(problems.map((p) => p.setting).sort()).toEqual([
      'SCALEOUT_EVENT_QUEUE_NAME',
      'SCALEOUT_EXPIRED_TASKS_SCHEDULE',
      'SCALEOUT_LEASE_MS',
      'SCALEOUT_LEASE_MSS',
    ]);
    expect(problems.find((p) => p.setting === 'SCALEOUT_LEASE_MSS')?.reason).toMatch(/unknown setting/);
    expect(problems.find((p) => p.setting === 'SCALEOUT_EXPIRED_TASKS_SCHEDULE')?.reason).toMatch(/6 fields/);
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
});
