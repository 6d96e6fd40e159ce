import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { addWorker, createExecution, deployProject, enableScaleOut, enableWorker } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { claimTasks, completeTask, heartbeat, postEvents, type WorkerEvent } from '../../contracts/worker-protocol.js';
import { startAzurite, type RunningAzurite } from '../../functions/local-host/azurite.js';
import { insertAdminKey } from '../support/shared-catalog-masters.js';
import { startChildMaster, type ChildMaster } from '../support/child-master.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../support/test-worker.js';
import { until } from '../support/until.js';

const executionsPerHost = 120;
const doomedExecutions = 4;
const linesPerTask = 5;
const everySecond = '* * * * * *';
const agent = { agentVersion: '0.1.0', os: 'linux', machineName: 'two-hosts', userAccount: 'svc' };

describe('two masters on one catalog and one queue', () => {
  let folder: string;
  let azurite: RunningAzurite;
  const hosts: ChildMaster[] = [];
  let adminKey: string;
  const transports: NodeHttpsTransport[] = [];

  function admin(host: ChildMaster) {
    const transport = new NodeHttpsTransport({ baseUrl: host.url, pinnedThumbprint: host.certificateThumbprint });
    transports.push(transport);
    return <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>): Promise<EndpointOutput<E>> =>
      callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${adminKey}` } });
  }

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-two-hosts-'));
    azurite = await startAzurite(join(folder, 'azurite'));
    const env = {
      SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'),
      SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
      AzureWebJobsStorage: azurite.connectionString,
      // Long enough for a busy shared machine; the doomed executions still end within a minute.
      SCALEOUT_LEASE_MS: '8000',
      // Leases are checked by the alarms both hosts read; cleanup runs on both at once.
      SCALEOUT_CLEANUP_SCHEDULE: everySecond,
    };
    // One after the other: the first creates the keys and certificate the second then reads.
    hosts.push(await startChildMaster(env));
    hosts.push(await startChildMaster(env));
    // The admin key goes straight into the shared catalog, as `npm start` does on first run.
    adminKey = await insertAdminKey(env.SCALEOUT_CATALOG_SQLITE_PATH);
  });

  afterAll(async () => {
    for (const transport of transports) transport.close();
    await Promise.all(hosts.map((host) => host.stop()));
    await azurite?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('claims every task exactly once across both, and their timers stay idempotent', async () => {
    const [a, b] = [admin(hosts[0]!), admin(hosts[1]!)];
    await a(enableScaleOut, {});
    await a(deployProject, { params: { folderName: 'F', projectName: 'P' }, body: await zipFiles(sampleProjectFiles()) });

    // Six workers, three on each master, run the executions that need the tag `etl`; a seventh, without it, is the
    // only one allowed the doomed executions, and never reports back.
    const workers: { call: WorkerCaller & { close(): void }; workerAgentId: string }[] = [];
    const addOn = async (index: number, tags: string[]) => {
      const host = hosts[index % 2]!;
      const identity = await createWorkerIdentity(`worker-${index}`);
      const { workerAgentId } = (await a(addWorker, { body: { certificate: identity.certPem, tags } })).worker!;
      await b(enableWorker, { params: { workerAgentId } });
      return { call: workerCaller(identity, host.url, host.certificateThumbprint), workerAgentId };
    };
    for (let i = 0; i < 6; i++) workers.push(await addOn(i, ['etl']));
    const doomed = await addOn(6, []);

    const claimed: string[] = [];
    const storedLines = new Set<string>();
    let done = false;
    const work = async (worker: (typeof workers)[number], index: number) => {
      while (!done) {
        const { tasks } = await worker.call(claimTasks, { body: { freeSlots: 2, waitMs: 200 } });
        for (const task of tasks) {
          await worker.call(heartbeat, { body: { tasks: tasks.map((t) => ({ taskId: t.taskId, attemptNumber: t.attemptNumber })), agent } });
          claimed.push(`${task.taskId}:${task.attemptNumber}`);
          const events: WorkerEvent[] = Array.from({ length: linesPerTask }, (_, i) => ({
            sequenceNumber: i + 1,
            time: new Date().toISOString(),
            type: 'information',
            source: 'stdout',
            message: `task ${task.taskId} line ${i + 1}`,
          }));
          await worker.call(postEvents, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, events } });
          // Every fifth batch is delivered twice, as a worker does when an answer is lost.
          if (task.taskId % 5 === index % 5) {
            await worker.call(postEvents, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, events } });
          }
          for (const event of events) storedLines.add(`${task.taskId}:${event.sequenceNumber}`);
          await worker.call(completeTask, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, outcome: 'succeeded', exitCode: 0 } });
        }
      }
    };
    const doomedClaims: string[] = [];
    const abandon = async () => {
      while (!done) {
        const { tasks } = await doomed.call(claimTasks, { body: { freeSlots: 10, waitMs: 200 } });
        doomedClaims.push(...tasks.map((t) => `${t.taskId}:${t.attemptNumber}`));
      }
    };
    const running = [...workers.map((w, i) => work(w, i)), abandon()];

    const created: number[] = [];
    for (let i = 0; i < executionsPerHost; i++) {
      for (const call of [a, b]) {
        const body = { folderName: 'F', projectName: 'P', packageName: 'load', requiredTags: ['etl'], start: true };
        created.push((await call(createExecution, { body })).executionId);
      }
    }
    for (let i = 0; i < doomedExecutions; i++) {
      await (i % 2 ? a : b)(createExecution, {
        body: { folderName: 'F', projectName: 'P', packageName: 'load', workerAgentIds: [doomed.workerAgentId], retryCount: 1, start: true },
      });
    }

    const catalog = new BetterSqlite3(join(folder, 'catalog.sqlite'), { readonly: true });
    try {
      const count = (sql: string): number => (catalog.prepare(sql).get() as { n: number }).n;
      // The doomed ones: two attempts each, both lost when their leases ran out, then ended unexpectedly (6).
      await until('every execution to end', () => count('SELECT count(*) AS n FROM executions WHERE status NOT IN (6, 7)') === 0, {
        timeoutMs: 120_000,
        intervalMs: 200,
      });
      done = true;
      await Promise.all(running);
      await until(
        'every event line to be drained',
        () => count('SELECT count(*) AS n FROM event_messages') >= storedLines.size,
        { timeoutMs: 60_000, intervalMs: 200 },
      );

      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.length).toBe(created.length);
      expect(new Set(doomedClaims).size).toBe(doomedClaims.length);
      expect(doomedClaims.length).toBe(doomedExecutions * 2);
      expect(count('SELECT count(*) AS n FROM executions WHERE status = 7')).toBe(created.length);
      expect(count('SELECT count(*) AS n FROM executions WHERE status = 6')).toBe(doomedExecutions);
      expect(count("SELECT count(*) AS n FROM tasks WHERE state = 'lost'")).toBe(doomedExecutions * 2);
      expect(count('SELECT count(*) AS n FROM tasks')).toBe(created.length + doomedExecutions * 2);

      // Released once: each lost attempt was reported by exactly one of the two masters' sweeps.
      const releases = hosts.flatMap((host) => host.output.filter((line) => line.includes('lease expired')));
      const released = releases.map((line) => /"taskId":(\d+),"attemptNumber":(\d+)/.exec(line)!.slice(1).join(':'));
      expect(released.sort()).toEqual([...doomedClaims].sort());

      // Each line once, whatever was delivered twice and whichever master drained it.
      expect(count('SELECT count(*) AS n FROM event_messages')).toBe(storedLines.size);
      // SSISDB's catalog properties (MAX_PROJECT_VERSIONS since migration 0010) and the master's own, each once.
      expect(count('SELECT count(*) AS n FROM master_properties')).toBe(8);
      // The master was last seen doing its rounds: the lease alarm's checks while the doomed tasks ran.
      const lastSweep = catalog.prepare("SELECT property_value AS v FROM master_properties WHERE property_name = 'LAST_LEASE_SWEEP_TIME'").get() as { v: string };
      expect(Date.now() - Number(lastSweep.v)).toBeLessThan(60_000);
      for (const host of hosts) expect(host.output.filter((line) => / error /.test(line))).toEqual([]);
    } finally {
      catalog.close();
      for (const worker of [...workers, doomed]) worker.call.close();
    }
  }, 300_000);
});
