import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointPath, isBinary, problemContentType, type EndpointSpec } from '../../contracts/endpoint.js';
import {
  addWorker,
  createApiKey,
  createEnrollmentToken,
  createExecution,
  createSchedule,
  deployProject,
  enableScaleOut,
  enableWorker,
  listExecutions,
  managementEndpoints,
} from '../../contracts/management/endpoints.js';
import { enrollmentEndpoints } from '../../contracts/enrollment.js';
import { createEnvironment, createEnvironmentReference, createEnvironmentVariable } from '../../contracts/management/environment-endpoints.js';
import { startChildExecution, taskEndpoints } from '../../contracts/task-api.js';
import { workerAuthFailures } from '../../contracts/worker-auth.js';
import { claimTasks, workerEndpoints } from '../../contracts/worker-protocol.js';
import { taskCredentialType } from '../../functions/auth/task-credentials.js';
import { callEndpoint } from '../../contracts/client.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { functionTable } from '../../functions/function-table.js';
import type { HttpFunction } from '../../functions/http/define-handler.js';
import { dumpCatalog } from '../support/catalog-dump.js';
import { malformedRequests, type MalformedRequest, type ValidInput } from '../support/malformed-requests.js';
import { declareUncompressedSize, sampleProjectFiles, zipFiles, zipWithZeros } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller, workerToken, type WorkerIdentity } from '../support/test-worker.js';

const endpoints: readonly EndpointSpec[] = [...managementEndpoints, ...workerEndpoints, ...enrollmentEndpoints, ...taskEndpoints];
type OperationId =
  | (typeof managementEndpoints)[number]['operationId']
  | (typeof workerEndpoints)[number]['operationId']
  | (typeof enrollmentEndpoints)[number]['operationId']
  | (typeof taskEndpoints)[number]['operationId'];

interface Seed {
  workerAgentId: string;
  createdExecutionId: number;
  runningTaskId: number;
  runningExecutionId: number;
  projectVersionId: number;
  apiKeyId: string;
  archive: Buffer;
  newWorkerPem: string;
  scheduleId: number;
  /** The running task's credential, and a child it started. */
  taskCredential: string;
  childExecutionId: number;
  /** An enrollment token with uses left: a malformed enrollment that slipped through would spend one. */
  enrollmentTokenId: string;
  enrollmentToken: string;
  /** Finance/ETL's reference to Finance/Prod. */
  referenceId: number;
  /** Zips whose entries lie about their size, by what each lie is. */
  lyingArchives: Record<string, Buffer>;
}

const agent = { agentVersion: '0.1.0', os: 'linux', machineName: 'm', userAccount: 'svc' };
const event = { sequenceNumber: 1, time: '2026-01-01T00:00:00Z', type: 'information', source: 'stdout', message: 'hello' };

/**
 * A correct call of every endpoint, against the seeded catalog: each would change the catalog (or read it) if it
 * got through, so a malformed variant that slipped past validation would show in the catalog dump. Endpoints
 * that take no input at all say so. The type makes a new endpoint fail to compile until it is listed here.
 */
function validInputs(seed: Seed): Record<OperationId, ValidInput | 'takes no input'> {
  const worker = { workerAgentId: seed.workerAgentId };
  const execution = { executionId: String(seed.createdExecutionId) };
  const project = { folderName: 'Finance', projectName: 'ETL' };
  const task = { taskId: String(seed.runningTaskId) };
  const environment = { folderName: 'Finance', environmentName: 'Prod' };
  return {
    getMasterStatus: 'takes no input',
    enableScaleOut: 'takes no input',
    listPoisonMessages: 'takes no input',
    redrivePoisonMessages: 'takes no input',
    listCatalogProperties: 'takes no input',
    configureCatalog: { params: { propertyName: 'MAX_PROJECT_VERSIONS' }, body: { value: '5' } },
    getDashboard: 'takes no input',
    getCaller: 'takes no input',
    listWorkers: 'takes no input',
    listFolders: 'takes no input',
    listApiKeys: 'takes no input',
    listEnrollmentTokens: 'takes no input',
    createEnrollmentToken: { body: { expiresInSeconds: 600, maxUses: 2, tags: ['etl'], maxTaskCount: 2, enableWorker: true } },
    revokeEnrollmentToken: { params: { tokenId: seed.enrollmentTokenId } },
    enrollWorker: { body: { certificate: seed.newWorkerPem, displayName: 'joined', description: 'by token', agent } },
    getWorker: { params: worker },
    addWorker: { body: { certificate: seed.newWorkerPem, tags: ['etl'], validateOnly: false } },
    removeWorker: { params: worker },
    enableWorker: { params: worker },
    disableWorker: { params: worker },
    setWorkerProperties: { params: worker, body: { displayName: 'renamed', maxTaskCount: 3 } },
    deployProject: { params: project, body: seed.archive },
    listProjects: { query: { folder: 'Finance' } },
    getProject: { params: project, query: { version: '1' } },
    listPackages: { params: project },
    listProjectVersions: { params: project },
    restoreProject: { params: project, body: { versionNumber: 1 } },
    createExecution: { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true, retryCount: 1 } },
    setExecutionParameterValue: { params: { ...execution, parameterName: 'SourcePath' }, body: { value: '/in.csv' } },
    addExecutionWorker: { params: execution, body: worker },
    startExecution: { params: execution, body: { retryCount: 1 } },
    stopExecution: { params: execution },
    getExecution: { params: execution },
    listExecutions: {
      query: { status: '5', folder: 'Finance', project: 'ETL', package: 'load', since: '2026-01-01T00:00:00Z', parent: '1', limit: '10', offset: '0' },
    },
    listExecutionEvents: { params: execution, query: { after: '0', limit: '10', tree: 'true' } },
    createSchedule: {
      body: { name: 'nightly', folderName: 'Finance', projectName: 'ETL', packageName: 'load', cron: '0 2 * * *', timeZone: 'Europe/Paris' },
    },
    listSchedules: 'takes no input',
    getSchedule: { params: { scheduleId: String(seed.scheduleId) } },
    enableSchedule: { params: { scheduleId: String(seed.scheduleId) } },
    disableSchedule: { params: { scheduleId: String(seed.scheduleId) } },
    removeSchedule: { params: { scheduleId: String(seed.scheduleId) } },
    runScheduleNow: { params: { scheduleId: String(seed.scheduleId) } },
    createEnvironment: { params: { folderName: 'Finance' }, body: { name: 'Test', description: 'for tests' } },
    listEnvironments: { query: { folder: 'Finance' } },
    getEnvironment: { params: environment },
    renameEnvironment: { params: environment, body: { newName: 'Production' } },
    deleteEnvironment: { params: { folderName: 'Finance', environmentName: 'Unused' } },
    createEnvironmentVariable: { params: environment, body: { name: 'Rows', dataType: 'Int32', value: 5, sensitive: false } },
    setEnvironmentVariableValue: { params: { ...environment, variableName: 'InPath' }, body: { value: '/other.csv' } },
    deleteEnvironmentVariable: { params: { ...environment, variableName: 'InPath' } },
    createEnvironmentReference: { params: project, body: { environmentName: 'Unused' } },
    listEnvironmentReferences: { params: project },
    deleteEnvironmentReference: { params: { ...project, referenceId: String(seed.referenceId) } },
    setObjectParameterValue: {
      params: { ...project, packageName: 'extract', parameterName: 'SourcePath' },
      body: { valueType: 'R', referencedVariableName: 'InPath' },
    },
    listObjectParameters: { params: project },
    grantPermission: { body: { objectType: 'project', folderName: 'Finance', objectName: 'ETL', principal: `apikey:${seed.apiKeyId}`, permission: 'EXECUTE' } },
    denyPermission: { body: { objectType: 'folder', folderName: 'Finance', principal: 'entra:0b6f1a2c-3d4e-4f50-8a9b-0c1d2e3f4a5b', permission: 'MODIFY_OBJECTS' } },
    revokePermission: { body: { objectType: 'folder', folderName: 'Finance', principal: `apikey:${seed.apiKeyId}`, permission: 'READ' } },
    listPermissions: { query: { folder: 'Finance' } },
    getMyPermissions: 'takes no input',
    startChildExecution: { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', key: 'another' } },
    listChildExecutions: 'takes no input',
    getChildExecution: { params: { executionId: String(seed.childExecutionId) } },
    stopChildExecution: { params: { executionId: String(seed.childExecutionId) } },
    listChildExecutionEvents: { params: { executionId: String(seed.childExecutionId) }, query: { after: '0', limit: '10' } },
    createApiKey: { body: { name: 'ci', role: 'reader' } },
    revokeApiKey: { params: { apiKeyId: seed.apiKeyId } },
    listAuditTrail: { query: { limit: '10', offset: '0' } },
    claimTasks: { body: { freeSlots: 1, waitMs: 0 } },
    workerHeartbeat: { body: { tasks: [{ taskId: seed.runningTaskId, attemptNumber: 1 }], agent } },
    postTaskEvents: { params: task, body: { attemptNumber: 1, events: [event] } },
    completeTask: { params: task, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0 } },
    downloadProjectArchive: { params: { projectVersionId: String(seed.projectVersionId) } },
  };
}

/** Values a type check alone cannot catch: unknown enum values, out-of-range numbers, broken nested items, lying archives. */
function unknownValues(valid: ValidInput, operationId: OperationId, seed: Seed): MalformedRequest[] {
  const body = valid.body as Record<string, unknown>;
  const with_ = (name: string, changes: Record<string, unknown>, field: string): MalformedRequest => ({
    name,
    params: valid.params ?? {},
    query: Object.entries(valid.query ?? {}),
    body: { json: { ...body, ...changes } },
    status: 400,
    field,
  });
  switch (operationId) {
    case 'deployProject':
      return Object.entries(seed.lyingArchives).map(([name, archive]) => ({
        name,
        params: valid.params ?? {},
        query: [],
        body: { raw: archive },
        status: 400,
        field: 'archive',
      }));
    case 'addWorker':
      return [
        with_('a thumbprint that is not hex', { certificate: undefined, thumbprint: 'xyz' }, 'body.thumbprint'),
        with_('both a certificate and a thumbprint', { thumbprint: 'a'.repeat(40) }, 'body.certificate'),
        with_('a tag with spaces', { tags: ['bad tag!'] }, 'body.tags'),
      ];
    case 'setWorkerProperties':
      return [with_('no change at all', { displayName: undefined, maxTaskCount: undefined }, 'body'), with_('MaxTaskCount 0', { maxTaskCount: 0 }, 'body.maxTaskCount')];
    case 'createExecution':
      return [
        with_('an object as a parameter value', { parameters: { SourcePath: { nested: true } } }, 'body.parameters'),
        with_('11 retries', { retryCount: 11 }, 'body.retryCount'),
        with_('a package name with a slash', { packageName: 'a/b' }, 'body.packageName'),
        // The typo that silently removed retries: both misspelt fields are named.
        with_('misspelt fields', { start: undefined, retryCount: undefined, retrycount: 3, strat: true }, 'body.strat'),
      ];
    case 'configureCatalog':
      return [with_('no versions kept at all', { value: '0' }, 'value'), with_('a value that is not a number', { value: 'ten' }, 'value')];
    case 'setExecutionParameterValue':
      return [with_('a value over 32 KiB', { value: 'x'.repeat(32_769) }, 'body.value')];
    case 'startExecution':
      return [with_('11 retries', { retryCount: 11 }, 'body.retryCount')];
    case 'listExecutions':
      return [{ name: 'status 12', params: {}, query: [['status', '12']], status: 400, field: 'query.status' }];
    case 'createEnrollmentToken':
      return [
        with_('a token for 30 s', { expiresInSeconds: 30 }, 'body.expiresInSeconds'),
        with_('no use at all', { maxUses: 0 }, 'body.maxUses'),
        with_('a tag with spaces', { tags: ['bad tag!'] }, 'body.tags'),
      ];
    case 'enrollWorker':
      return [
        with_('a certificate that is not one', { certificate: 'not a certificate' }, 'certificate'),
        with_('an unknown field in the agent', { agent: { ...agent, colour: 'red' } }, 'body.agent.colour'),
        with_('a blank display name', { displayName: '  ' }, 'body.displayName'),
      ];
    case 'createApiKey':
      return [with_('an unknown role', { role: 'superuser' }, 'body.role'), with_('a blank name', { name: '   ' }, 'body.name')];
    case 'claimTasks':
      return [with_('no free slot', { freeSlots: 0 }, 'body.freeSlots'), with_('a wait over 120 s', { waitMs: 120_001 }, 'body.waitMs')];
    case 'workerHeartbeat':
      return [
        with_('a negative task id', { tasks: [{ taskId: -1, attemptNumber: 1 }] }, 'body.tasks'),
        with_('an unknown field in the agent', { agent: { ...agent, colour: 'red' } }, 'body.agent.colour'),
        with_('an unknown field in a task', { tasks: [{ taskId: 1, attemptNumber: 1, lease: 9 }] }, 'body.tasks.0.lease'),
      ];
    case 'postTaskEvents':
      return [
        with_('an unknown event type', { events: [{ ...event, type: 'debug' }] }, 'body.events'),
        with_('no events', { events: [] }, 'body.events'),
        with_('a time that is not ISO 8601', { events: [{ ...event, time: 'yesterday' }] }, 'body.events'),
        with_('an unknown field in the second event', { events: [event, { ...event, sequenceNumber: 2, colour: 'red' }] }, 'body.events.1.colour'),
      ];
    case 'createSchedule':
      return [
        with_('an unknown misfire policy', { misfirePolicy: 'sometimes' }, 'body.misfirePolicy'),
        with_('a cron expression too short', { cron: '* *' }, 'body.cron'),
      ];
    case 'startChildExecution':
      return [with_('11 retries', { retryCount: 11 }, 'body.retryCount'), with_('an empty key', { key: '' }, 'body.key')];
    case 'createEnvironmentVariable':
      return [with_('an unknown data type', { dataType: 'Money' }, 'body.dataType'), with_('an object as its value', { value: { a: 1 } }, 'body.value')];
    case 'setObjectParameterValue':
      return [with_('an unknown value type', { valueType: 'X' }, 'body.valueType')];
    case 'grantPermission':
    case 'denyPermission':
    case 'revokePermission':
      return [
        with_('a principal that is neither an API key nor an Entra object id', { principal: 'bob' }, 'body.principal'),
        with_('an unknown permission', { permission: 'OWN' }, 'body.permission'),
        with_('an operation (its permissions follow its project)', { objectType: 'operation' }, 'body.objectType'),
      ];
    case 'completeTask':
      return [with_('an unknown outcome', { outcome: 'exploded' }, 'body.outcome'), with_('a fractional exit code', { exitCode: 1.5 }, 'body.exitCode')];
    default:
      return [];
  }
}

describe('malformed input: every endpoint answers 4xx problem+json naming the field, and the catalog is unchanged', () => {
  let master: TestMaster;
  let seed: Seed;
  let identity: WorkerIdentity;
  let catalogPath: string;
  let before: Record<string, unknown[]>;

  beforeAll(async () => {
    // No timers: nothing but the requests under test may touch the catalog.
    master = await startTestMaster({ timers: false });
    catalogPath = join(master.folder, 'catalog.sqlite');
    await master.admin(enableScaleOut, {});
    const archive = await zipFiles(sampleProjectFiles());
    const version = await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: archive });
    identity = await createWorkerIdentity('malformed-node');
    const workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    const created = await master.admin(createExecution, { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load' } });
    await master.admin(createExecution, { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true } });
    const worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
    const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 0 } });
    worker.close();
    // A second started execution stays pending: a claim that slipped through would take it.
    await master.admin(createExecution, { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true } });
    const key = await master.admin(createApiKey, { body: { name: 'to revoke', role: 'reader' } });
    const enrollment = await master.admin(createEnrollmentToken, { body: { maxUses: 5 } });
    const schedule = await master.admin(createSchedule, {
      body: { name: 'hourly', folderName: 'Finance', projectName: 'ETL', packageName: 'load', cron: '0 * * * *' },
    });
    for (const name of ['Prod', 'Unused']) await master.admin(createEnvironment, { params: { folderName: 'Finance' }, body: { name } });
    await master.admin(createEnvironmentVariable, {
      params: { folderName: 'Finance', environmentName: 'Prod' },
      body: { name: 'InPath', dataType: 'String', value: '/in.csv' },
    });
    const reference = await master.admin(createEnvironmentReference, {
      params: { folderName: 'Finance', projectName: 'ETL' },
      body: { environmentName: 'Prod' },
    });
    const asTask = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    const child = await callEndpoint(
      asTask,
      startChildExecution,
      { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', key: 'first' } },
      { headers: { authorization: `Bearer ${tasks[0]!.taskCredential}` } },
    );
    asTask.close();
    seed = {
      workerAgentId,
      createdExecutionId: created.executionId,
      runningTaskId: tasks[0]!.taskId,
      runningExecutionId: tasks[0]!.executionId,
      projectVersionId: version.projectVersionId,
      apiKeyId: key.apiKey.apiKeyId,
      archive,
      newWorkerPem: (await createWorkerIdentity('never-added')).certPem,
      scheduleId: schedule.scheduleId,
      taskCredential: tasks[0]!.taskCredential,
      childExecutionId: child.executionId,
      enrollmentTokenId: enrollment.token.tokenId,
      enrollmentToken: enrollment.secret,
      referenceId: reference.referenceId,
      lyingArchives: {
        'an entry that declares 1,000 bytes and inflates to 1 MiB': declareUncompressedSize(
          await zipWithZeros(sampleProjectFiles(), { 'data/lookup.bin': 1024 * 1024 }),
          'data/lookup.bin',
          1000,
        ),
        'a manifest that inflates past its declared size': declareUncompressedSize(
          await zipFiles({ ...sampleProjectFiles(), 'scaleout.json': sampleProjectFiles()['scaleout.json']!.replace(/\}$/, `${' '.repeat(50_000)}}`) }),
          'scaleout.json',
          100,
        ),
      },
    };
    before = dumpCatalog(catalogPath);
  });

  afterAll(async () => {
    await master?.stop();
  });

  /** Sends one malformed request over its own HTTPS connection, exactly as built. */
  async function send(endpoint: EndpointSpec, malformed: MalformedRequest, options: { authorization?: string } = {}) {
    let path = endpointPath(endpoint, malformed.params);
    if (malformed.query.length > 0) path += `?${new URLSearchParams(malformed.query).toString()}`;
    const body =
      malformed.body === undefined ? undefined : 'raw' in malformed.body ? malformed.body.raw : Buffer.from(JSON.stringify(malformed.body.json));
    const authorization =
      options.authorization ??
      (endpoint.access.kind === 'worker'
        ? `Bearer ${await workerToken(identity, master.url)}`
        : endpoint.access.kind === 'task'
          ? `Bearer ${seed.taskCredential}`
          : endpoint.access.kind === 'enrollment'
            ? `Bearer ${seed.enrollmentToken}`
            : `Bearer ${master.adminKey}`);
    const headers: Record<string, string> = { authorization };
    if (body !== undefined) {
      headers['content-type'] = malformed.contentType ?? (isBinary(endpoint.body) ? endpoint.body.binary : 'application/json');
      headers['content-length'] = String(malformed.declaredLength ?? body.length);
    }
    return new Promise<{ status: number; contentType: string | undefined; json: { errors?: { field: string }[]; detail?: string } }>(
      (resolve, reject) => {
        const req = request(
          new URL(path, master.url),
          { method: endpoint.method, headers, rejectUnauthorized: false, agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              try {
                resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as never });
              } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)));
              } finally {
                req.destroy();
              }
            });
          },
        );
        req.on('error', reject);
        if (body === undefined) req.end();
        // Declared longer than it is: only the start goes, and the answer must come from the header alone.
        else if (malformed.declaredLength !== undefined) req.write(body.subarray(0, 1024));
        else req.end(body);
      },
    );
  }

  it('has malformed-input cases for every endpoint that takes input', () => {
    const inputs = validInputs({
      workerAgentId: 'w',
      createdExecutionId: 1,
      runningTaskId: 1,
      runningExecutionId: 1,
      projectVersionId: 1,
      apiKeyId: 'k',
      archive: Buffer.alloc(1),
      newWorkerPem: '',
      scheduleId: 1,
      taskCredential: 't',
      childExecutionId: 2,
      enrollmentTokenId: 'e',
      enrollmentToken: 'soj_',
      referenceId: 1,
      lyingArchives: {},
    });
    for (const endpoint of endpoints) {
      const valid = inputs[endpoint.operationId as OperationId];
      expect(valid, `${endpoint.operationId} has no valid input to break`).toBeDefined();
      if (valid === 'takes no input') {
        expect([endpoint.params, endpoint.query, endpoint.body], `${endpoint.operationId} does take input`).toEqual([undefined, undefined, undefined]);
      } else {
        expect(malformedRequests(endpoint, valid, 1).length, endpoint.operationId).toBeGreaterThan(0);
      }
    }
  });

  for (const endpoint of endpoints) {
    it(`${endpoint.operationId}`, async () => {
      const listed = validInputs(seed)[endpoint.operationId as OperationId];
      // An operation that takes nothing still refuses a body or a query parameter.
      const valid = listed === 'takes no input' ? {} : listed;
      const fn = functionTable.find((f): f is HttpFunction => f.kind === 'http' && f.name === endpoint.operationId)!;
      const cases = [...malformedRequests(endpoint, valid, fn.maxBodyBytes), ...unknownValues(valid, endpoint.operationId as OperationId, seed)];
      for (const malformed of cases) {
        const answer = await send(endpoint, malformed);
        const what = `${endpoint.operationId}: ${malformed.name} → ${JSON.stringify(answer.json)}`;
        expect(answer.status, what).toBe(malformed.status);
        expect(answer.contentType, what).toBe(problemContentType);
        const fields = (answer.json.errors ?? []).map((e) => e.field);
        expect(
          fields.some((field) => field === malformed.field || field.startsWith(`${malformed.field}.`)),
          `${what}: expected a problem naming ${malformed.field}`,
        ).toBe(true);
        expect(dumpCatalog(catalogPath), what).toEqual(before);
      }
    });
  }

  /** A valid call of the endpoint, exactly as the malformed ones are sent. */
  const validRequest = (endpoint: EndpointSpec): MalformedRequest => {
    const valid = validInputs(seed)[endpoint.operationId as OperationId];
    const input = valid === 'takes no input' ? {} : valid;
    return {
      name: 'valid',
      params: input.params ?? {},
      query: Object.entries(input.query ?? {}),
      ...(input.body === undefined ? {} : isBinary(endpoint.body) ? { body: { raw: input.body as Buffer } } : { body: { json: input.body } }),
      status: 200,
      field: '',
    };
  };

  it('refuses a worker token dated in the future on every worker route, saying so', async () => {
    const now = Math.floor(Date.now() / 1000);
    const aheadByAYear = await workerToken(identity, master.url, { issuedAt: now + 365 * 86_400, lifetimeSeconds: 300 });
    for (const endpoint of workerEndpoints) {
      const answer = await send(endpoint, validRequest(endpoint), { authorization: `Bearer ${aheadByAYear}` });
      const what = `${endpoint.operationId} → ${JSON.stringify(answer.json)}`;
      expect(answer.status, what).toBe(401);
      expect(answer.contentType, what).toBe(problemContentType);
      expect(answer.json.detail, what).toBe(workerAuthFailures.issuedInFuture);
      expect(dumpCatalog(catalogPath), what).toEqual(before);
    }
  });

  it('refuses a task credential dated in the future', async () => {
    // Signed with the master's own key and naming the running attempt: only its date is wrong.
    const signingKey = Buffer.from(readFileSync(join(master.folder, 'keys', 'token-signing-key'), 'utf8').trim(), 'base64');
    const forged = await new SignJWT({ tid: seed.runningTaskId, att: 1, exe: seed.runningExecutionId })
      .setProtectedHeader({ alg: 'HS256', typ: taskCredentialType })
      .setAudience(master.url)
      .setIssuedAt(Math.floor(Date.now() / 1000) + 3600)
      .sign(signingKey);
    for (const endpoint of taskEndpoints) {
      const answer = await send(endpoint, validRequest(endpoint), { authorization: `Bearer ${forged}` });
      const what = `${endpoint.operationId} → ${JSON.stringify(answer.json)}`;
      expect(answer.status, what).toBe(401);
      expect(answer.json.detail, what).toMatch(/issued more than 60 s in the future/);
      expect(dumpCatalog(catalogPath), what).toEqual(before);
    }
  });

  it('answers an over-long URL with 431 problem+json', async () => {
    const answer = await send(listExecutions, { ...validRequest(listExecutions), query: [['folder', 'x'.repeat(20_000)]] });
    expect(answer.status).toBe(431);
    expect(answer.contentType).toBe(problemContentType);
    expect(answer.json.detail).toMatch(/too long/);
  });
});
