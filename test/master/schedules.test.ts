import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { createSchedule, deployProject, getSchedule, listExecutions } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { startAzurite, type RunningAzurite } from '../../functions/local-host/azurite.js';
import { insertAdminKey } from '../support/shared-catalog-masters.js';
import { startClockedMaster, type ClockedMaster } from '../support/clocked-master.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';

const minute = 60_000;

describe('schedules on two local hosts sharing one catalog, under a test clock', () => {
  let folder: string;
  let azurite: RunningAzurite;
  let hosts: ClockedMaster[] = [];
  let transport: NodeHttpsTransport;
  let adminKey: string;
  /** A whole minute, 30 s past, close to now so certificates and keys are current. */
  const start = Math.floor(Date.now() / minute) * minute + 30_000;

  const admin = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
    callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${adminKey}` } });

  const everyHostAt = async (time: number): Promise<void> => {
    await Promise.all(hosts.map((host) => host.setTime(time)));
    // Both masters look for due schedules at the same moment, as two instances' safety sweeps (or two copies of
    // one schedule alarm) would.
    await Promise.all(hosts.map((host) => host.runTimer('safetySweep')));
  };

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-schedules-'));
    const catalogPath = join(folder, 'catalog.sqlite');
    adminKey = await insertAdminKey(catalogPath);
    azurite = await startAzurite(join(folder, 'azurite'));
    const env = {
      SCALEOUT_CATALOG_SQLITE_PATH: catalogPath,
      SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
      SCALEOUT_PORT: '0',
      AzureWebJobsStorage: azurite.connectionString,
    };
    hosts = [await startClockedMaster(env, start), await startClockedMaster(env, start)];
    transport = new NodeHttpsTransport({ baseUrl: hosts[0]!.url, pinnedThumbprint: hosts[0]!.thumbprint });
    await admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
  });

  afterAll(async () => {
    transport?.close();
    await Promise.all(hosts.map((host) => host.stop()));
    await azurite?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('a schedule due every minute fires exactly once per minute over ten minutes, then once after an hour down', async () => {
    const schedule = await admin(createSchedule, {
      body: {
        name: 'every minute',
        folderName: 'Finance',
        projectName: 'ETL',
        packageName: 'extract',
        parameters: { SourcePath: '/in.csv', ApiToken: 'scheduled-secret' },
        cron: '* * * * *',
      },
    });
    expect(schedule.nextRunTime).toBe(new Date(start + 30_000).toISOString());

    const scheduled = async () =>
      (await admin(listExecutions, { query: { package: 'extract', limit: 500 } })).executions.filter(
        (e) => e.createdBy === 'schedule:every minute',
      );
    for (let m = 1; m <= 10; m++) {
      // Each host checks twice within the minute: more chances to double-fire, none taken.
      await everyHostAt(start + 30_000 + (m - 1) * minute + 1_000);
      await everyHostAt(start + 30_000 + (m - 1) * minute + 20_000);
      expect(await scheduled()).toHaveLength(m);
    }
    const created = (await scheduled()).map((e) => Date.parse(e.createdTime)).sort();
    expect(created.map((t) => Math.floor(t / minute))).toEqual([...new Set(created.map((t) => Math.floor(t / minute)))]);

    // An hour with no master at all: sixty slots missed; the misfire policy (run-once) runs them once.
    await everyHostAt(start + 30_000 + 70 * minute + 5_000);
    expect(await scheduled()).toHaveLength(11);
    await everyHostAt(start + 30_000 + 70 * minute + 15_000);
    expect(await scheduled()).toHaveLength(11);
    const after = await admin(getSchedule, { params: { scheduleId: schedule.scheduleId } });
    expect(after).toMatchObject({ lastError: null, nextRunTime: new Date(start + 30_000 + 71 * minute).toISOString() });
  });
});
