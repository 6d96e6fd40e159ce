import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorker, deployProject } from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity } from '../support/test-worker.js';

/** A 400's `detail` is what every client shows: it names fields as a user knows them and says why in words. */
describe('validation messages in the user\'s words', () => {
  let master: TestMaster;
  let transport: NodeHttpsTransport;
  let workerAgentId: string;

  /** Sends the body as given, past the client's own checks, and returns the problem the master answers. */
  async function problemFor(method: string, path: string, body: unknown): Promise<{ status: number; detail: string; errors: { field: string; reason: string }[] }> {
    const response = await transport.request({
      method,
      path: `/api${path}`,
      headers: { authorization: `Bearer ${master.adminKey}`, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
    });
    return { status: response.status, ...(JSON.parse(Buffer.from(response.body).toString('utf8')) as { detail: string; errors: { field: string; reason: string }[] }) };
  }

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    const files = sampleProjectFiles();
    const manifest = JSON.parse(files['scaleout.json']!) as { packages: { parameters?: unknown[] }[] };
    manifest.packages[0]!.parameters!.push({ name: 'TargetTable', dataType: 'String', required: true });
    await master.admin(deployProject, {
      params: { folderName: 'Finance', projectName: 'ETL' },
      body: await zipFiles({ ...files, 'scaleout.json': JSON.stringify(manifest) }),
    });
    const identity = await createWorkerIdentity('words-node');
    workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
  });

  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  it('a contract check names the field and its bound: MaxTaskCount must be at least 1', async () => {
    const problem = await problemFor('PATCH', `/v1/workers/${workerAgentId}`, { maxTaskCount: 0 });
    expect(problem).toMatchObject({
      status: 400,
      detail: 'MaxTaskCount must be at least 1',
      errors: [{ field: 'body.maxTaskCount', reason: 'must be at least 1' }],
    });
    const missing = await problemFor('POST', '/v1/schedules', { name: 'nightly', folderName: 'Finance', projectName: 'ETL' });
    expect(missing).toMatchObject({ status: 400, detail: 'PackageName is required; Cron is required' });
  });

  it('every missing required parameter is listed at once', async () => {
    const problem = await problemFor('POST', '/v1/executions', { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', start: true });
    expect(problem).toMatchObject({
      status: 400,
      detail: "SourcePath is required by package 'extract' and has no value; TargetTable is required by package 'extract' and has no value",
      errors: [{ field: 'parameters.SourcePath' }, { field: 'parameters.TargetTable' }],
    });
  });

  it('a cron that never fires is refused', async () => {
    const problem = await problemFor('POST', '/v1/schedules', {
      name: 'february 30th',
      folderName: 'Finance',
      projectName: 'ETL',
      packageName: 'load',
      cron: '0 2 30 2 *',
    });
    expect(problem).toMatchObject({ status: 400, detail: "Cron never fires: no date matches '0 2 30 2 *'", errors: [{ field: 'cron' }] });
  });
});
