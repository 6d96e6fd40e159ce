import { execFile, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MasterStatusView } from '../../contracts/management/views.js';
import { functionTable } from '../../functions/function-table.js';
import type { HttpFunction } from '../../functions/http/define-handler.js';
import { startAzurite, type RunningAzurite } from '../../functions/local-host/azurite.js';
import { projectRoot } from '../../functions/project.js';
import type { WorkerReply, WorkerRequest } from '../processes/functions-node-worker.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';

/**
 * Item 2 of issue 12: the Azure entry point, tested offline. The built `dist/functions/app.js` is loaded by a
 * stand-in for the Functions host's Node.js worker (test/processes/functions-node-worker.ts) with the real
 * @azure/functions library; what the library registered is compared with the function table, and functions are
 * invoked through those very registrations with the settings of local.settings.sample.json (as under Core Tools):
 * a SQLite catalog and Azurite.
 */

type Registered = Extract<WorkerReply, { op: 'registered' }>['functions'][number];

const sample = (JSON.parse(readFileSync(join(projectRoot(), 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values;
const httpFunction = (name: string): HttpFunction => functionTable.find((fn): fn is HttpFunction => fn.kind === 'http' && fn.name === name)!;

/** A function as a reader of the host's function list would describe it: name, trigger and what fires it. */
function describeRegistration(fn: Registered): Record<string, unknown> {
  const trigger = Object.values(fn.bindings).find((binding) => binding['direction'] === 'in' && String(binding['type']).endsWith('Trigger'))!;
  const outputs = Object.values(fn.bindings).filter((binding) => binding['direction'] === 'out').map((binding) => binding['type']);
  switch (trigger['type']) {
    case 'httpTrigger':
      return { name: fn.name, trigger: 'httpTrigger', route: trigger['route'], methods: trigger['methods'], authLevel: trigger['authLevel'], outputs };
    case 'timerTrigger':
      return { name: fn.name, trigger: 'timerTrigger', schedule: trigger['schedule'], runOnStartup: trigger['runOnStartup'], outputs };
    default:
      return { name: fn.name, trigger: trigger['type'], queueName: trigger['queueName'], connection: trigger['connection'], outputs };
  }
}

/** The same description, from the function table: what app.ts must have registered. */
function describeTableEntry(fn: (typeof functionTable)[number]): Record<string, unknown> {
  switch (fn.kind) {
    case 'http':
      return { name: fn.name, trigger: 'httpTrigger', route: fn.route, methods: [fn.method], authLevel: 'anonymous', outputs: ['http'] };
    case 'timer':
      return { name: fn.name, trigger: 'timerTrigger', schedule: `%${fn.scheduleSetting}%`, runOnStartup: false, outputs: [] };
    case 'queue':
      return { name: fn.name, trigger: 'queueTrigger', queueName: `%${fn.queueSetting}%`, connection: 'AzureWebJobsStorage', outputs: [] };
  }
}

describe('the Azure entry point, loaded by a stand-in for the Functions Node.js worker', () => {
  let folder: string;
  let azurite: RunningAzurite;
  let worker: ChildProcess;
  let registered: Extract<WorkerReply, { op: 'registered' }>;
  let settings: Record<string, string>;
  let adminKey: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-azure-registration-'));
    azurite = await startAzurite(join(folder, 'azurite'));
    // The sample as given, with this test's folder and Azurite in place of .data/ and the default ports.
    settings = {
      ...sample,
      SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'),
      SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
      AzureWebJobsStorage: azurite.connectionString,
    };
    const env = { PATH: process.env['PATH'] ?? '', ...settings };
    // The first admin key, as the README's Core Tools steps create it.
    const created = await promisify(execFile)(process.execPath, [join(projectRoot(), 'bin/scaleout-master.js'), 'apikey', 'create', '--name', 'first admin'], { env });
    adminKey = created.stdout.trim();
    worker = fork(join(projectRoot(), 'dist/test/processes/functions-node-worker.js'), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    registered = (await reply()) as typeof registered;
    expect(registered.op).toBe('registered');
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = once(worker, 'exit');
      worker.send({ op: 'stop' } satisfies WorkerRequest);
      await exited;
    }
    await azurite?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  function reply(): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the worker stand-in exited with code ${code}`));
      worker.once('message', (message: WorkerReply) => {
        worker.off('exit', onExit);
        resolve(message);
      });
      worker.once('exit', onExit);
    });
  }

  async function invoke(request: WorkerRequest): Promise<WorkerReply> {
    const answer = reply();
    worker.send(request);
    const message = await answer;
    if (message.op === 'error') throw new Error(`${'name' in request ? request.name : request.op} failed: ${message.message}`);
    return message;
  }

  /** One HTTP call through the handler @azure/functions registered for the function `name`. */
  async function http(name: string, init: { params?: Record<string, string | number>; key?: string; body?: Buffer }) {
    const fn = httpFunction(name);
    const params = Object.fromEntries(Object.entries(init.params ?? {}).map(([k, v]) => [k, String(v)]));
    const answer = await invoke({
      op: 'invoke-http',
      name,
      method: fn.method,
      url: `${settings['SCALEOUT_MASTER_ADDRESS']}/${fn.route.replace(/\{(\w+)\}/g, (_, param: string) => encodeURIComponent(params[param] ?? ''))}`,
      params,
      headers: {
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.body ? { 'content-type': 'application/zip', 'content-length': String(init.body.length) } : {}),
      },
      ...(init.body ? { bodyBase64: init.body.toString('base64') } : {}),
    });
    if (answer.op !== 'http-response') throw new Error(`unexpected ${answer.op}`);
    return { ...answer, json: answer.body ? (JSON.parse(answer.body) as unknown) : undefined };
  }

  it('registers every function of the table with its trigger: routes and methods, timer schedules, queue bindings', () => {
    expect(registered.functions.map(describeRegistration)).toEqual(functionTable.map(describeTableEntry));
    expect(new Set(registered.functions.map((fn) => fn.name)).size).toBe(functionTable.length);
    // The library took the stand-in for a host that streams HTTP bodies (app.setup({ enableHttpStream: true })).
    expect(registered.programmingModel).toMatch(/^@azure\/functions@4\./);
    expect(registered.systemLogs).toContain('debug system HTTP streaming enabled.');
  });

  it('serves HTTP functions through their registrations: a deploy into Azurite\'s blobs, reads of the SQLite catalog', async () => {
    const refused = await http('getMasterStatus', {});
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/problem+json');

    const archive = await zipFiles(sampleProjectFiles());
    const deployed = await http('deployProject', { params: { folderName: 'Finance', projectName: 'ETL' }, key: adminKey, body: archive });
    expect(deployed).toMatchObject({ status: 201, json: { versionNumber: 1, archiveSize: archive.length } });
    const blobs: string[] = [];
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(settings['SCALEOUT_ARCHIVE_CONTAINER'] ?? 'project-archives');
    for await (const blob of container.listBlobsFlat()) blobs.push(blob.name);
    expect(blobs).toEqual([expect.stringMatching(/^Finance\/ETL\/[0-9a-f-]{36}\.zip$/)]);

    const projects = await http('listProjects', { params: { folderName: 'Finance' }, key: adminKey });
    expect(projects).toMatchObject({ status: 200, json: { projects: [{ folderName: 'Finance', projectName: 'ETL', versionNumber: 1 }] } });
  });

  it('runs every timer of the table through its registration; the heartbeat shows in the master status', async () => {
    const timers = functionTable.filter((fn) => fn.kind === 'timer');
    expect(timers.length).toBeGreaterThan(0);
    const before = (await http('getMasterStatus', { key: adminKey })).json as MasterStatusView;
    for (const timer of timers) {
      const ran = await invoke({ op: 'invoke-timer', name: timer.name });
      expect(ran, timer.name).toEqual({ op: 'done', logs: [] });
    }
    const after = await http('getMasterStatus', { key: adminKey });
    expect(after.status).toBe(200);
    expect(after.json).toMatchObject({ catalogEngine: 'sqlite', masterAddress: settings['SCALEOUT_MASTER_ADDRESS'], poisonMessages: 0 });
    // SSIS's master heartbeat, now a round of the safety sweep: the last-online time `scaleout master status` shows.
    expect(timers.map((timer) => timer.name)).toContain('safetySweep');
    expect(before.lastOnlineTime).toBeNull();
    expect((after.json as MasterStatusView).lastOnlineTime).not.toBeNull();
  });
});
