import { expect } from 'vitest';
import { ExecutionStatus } from '../../../functions/catalog/domain.js';
import { IllegalStateError, NotFoundError, ValidationError } from '../../../functions/catalog/errors.js';
import { admin, deployEtl, etlPackages, readyWorker, startExtract, storedArchive, thumbprints, type Scenario } from './fixtures.js';

export const projectAndExecutionScenarios: Record<string, Scenario> = {
  'deploying creates the folder and project, then keeps every version': async ({ catalog, clock }) => {
    const v1 = await deployEtl(catalog, Buffer.from('version one'));
    clock.advance(1000);
    const v2 = await deployEtl(catalog, Buffer.from('version two'));
    expect([v1.versionNumber, v2.versionNumber]).toEqual([1, 2]);
    expect(v2).toMatchObject({ folderName: 'Finance', projectName: 'ETL', deployedBy: admin, archiveSize: 11 });
    expect(v2.packages.map((p) => p.name)).toEqual(['extract', 'load']);
    expect(v2.packages[1]).toMatchObject({ runner: 'process', entry: 'load.sh', arguments: ['--target', 'warehouse'], parameters: [] });
    expect(v2.packages[0]?.parameters).toEqual(etlPackages[0]?.parameters);
    expect((await catalog.listFolders()).map((f) => f.name)).toEqual(['Finance']);
    expect((await catalog.listProjects()).map((p) => p.versionNumber)).toEqual([2]);
    expect((await catalog.listProjects('Other')).length).toBe(0);
    expect((await catalog.getProjectVersion('finance', 'etl', 1)).projectVersionId).toBe(v1.projectVersionId);
    expect((await catalog.getProjectVersion('Finance', 'ETL')).versionNumber).toBe(2);
    expect(await catalog.getProjectArchive(v1.projectVersionId)).toEqual(storedArchive('Finance/ETL', Buffer.from('version one')));
    // Deployed through the archive store: nothing is left in the catalog to move there.
    expect(await catalog.listArchivesInCatalog()).toEqual([]);
    await expect(catalog.getProjectVersion('Finance', 'ETL', 9)).rejects.toThrow(NotFoundError);
    await expect(catalog.getProjectArchive(999)).rejects.toThrow(NotFoundError);
  },

  'a project declaring a package twice is refused': async ({ catalog }) => {
    await expect(
      catalog.deployProject(
        {
          folderName: 'F',
          projectName: 'P',
          ...storedArchive('F/P', Buffer.from('x')),
          manifest: {},
          packages: [etlPackages[1]!, { ...etlPackages[1]!, name: 'LOAD' }],
        },
        admin,
      ),
    ).rejects.toThrow(/Packages\[1\]\.Name: /);
    expect(await catalog.listFolders()).toEqual([]);
  },

  'an execution gets the defaults, given values in their declared types, and sensitive values only encrypted': async (h) => {
    await deployEtl(h.catalog);
    const execution = await h.catalog.createExecution(
      {
        folderName: 'Finance',
        projectName: 'ETL',
        packageName: 'extract',
        parameters: { sourcepath: '/in.csv', BatchSize: '250', ApiToken: 'tok-123' },
      },
      admin,
    );
    expect(execution).toMatchObject({
      status: ExecutionStatus.created,
      folderName: 'Finance',
      projectName: 'ETL',
      packageName: 'extract',
      useAnyWorker: true,
      runInScaleOut: true,
      createdBy: admin,
      attemptCount: 0,
      workerAgentId: null,
      timeoutMs: 60_000,
    });
    expect(execution.parameters).toEqual([
      { name: 'ApiToken', sensitive: true, value: null },
      { name: 'BatchSize', sensitive: false, value: 250 },
      { name: 'DryRun', sensitive: false, value: false },
      { name: 'SourcePath', sensitive: false, value: '/in.csv' },
    ]);
    const stored = await h.engine.db.selectFrom('execution_parameter_values').selectAll().where('parameter_name', '=', 'ApiToken').executeTakeFirstOrThrow();
    expect(stored.parameter_value).toBeNull();
    expect(stored.sensitive_value).not.toContain('tok-123');
    expect(stored.sensitive_value).toMatch(/^v1\./);
  },

  'create_execution answers, without reading back, exactly what reading the execution gives': async ({ catalog }) => {
    await deployEtl(catalog);
    const worker = await catalog.addWorkerAgent({ machineName: 'w', certificate: thumbprints() }, admin);
    const created = await catalog.createExecution(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameters: { SourcePath: '/in.csv', ApiToken: 'tok' } },
      admin,
    );
    expect(await catalog.getExecution(created.executionId)).toEqual(created);
    const started = await catalog.createExecution(
      {
        folderName: 'Finance',
        projectName: 'ETL',
        packageName: 'extract',
        parameters: { SourcePath: '/in.csv', DryRun: true },
        allowedWorkerIds: [worker.workerAgentId, worker.workerAgentId],
        requiredTags: ['gpu', 'Disk', 'GPU', 'arm'],
        timeoutMs: 5000,
        start: { retryCount: 1 },
      },
      admin,
    );
    expect(started).toMatchObject({ status: ExecutionStatus.pending, attemptCount: 1, requiredTags: ['Disk', 'GPU', 'arm'], childCount: 0 });
    expect(started.attempts).toMatchObject([{ attemptNumber: 1, state: 'pending', workerAgentId: null }]);
    expect(await catalog.getExecution(started.executionId)).toEqual(started);
  },

  'bad parameter values are refused by name and nothing is stored': async ({ catalog }) => {
    await deployEtl(catalog);
    const create = (parameters: Record<string, string | number | boolean>) =>
      catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameters }, admin);
    await expect(create({ Nope: 1 })).rejects.toThrow(/Nope: .*declared: SourcePath, BatchSize, ApiToken, DryRun/);
    await expect(create({ BatchSize: 'many' })).rejects.toThrow(/BatchSize: expected an Int32/);
    await expect(create({ BatchSize: 2 ** 40 })).rejects.toThrow(/outside the Int32 range/);
    await expect(create({ DryRun: 'perhaps' })).rejects.toThrow(/DryRun: expected a Boolean/);
    await expect(create({ SourcePath: 7 })).rejects.toThrow(ValidationError);
    await expect(
      catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'nope' }, admin),
    ).rejects.toThrow(NotFoundError);
    await expect(
      catalog.createExecution({ folderName: 'Finance', projectName: 'Nope', packageName: 'extract' }, admin),
    ).rejects.toThrow(NotFoundError);
    await expect(
      catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'extract', allowedWorkerIds: ['ghost'] }, admin),
    ).rejects.toThrow(/AllowedWorkerIds\[0\]: /);
    expect((await catalog.listExecutions({}, { limit: 10, offset: 0 })).items).toEqual([]);
  },

  'values and workers are set while created; start checks required values and worker choice, once': async ({ catalog }) => {
    await deployEtl(catalog);
    const worker = await catalog.addWorkerAgent({ machineName: 'w', certificate: thumbprints() }, admin);
    const created = await catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'extract' }, admin);
    const id = created.executionId;
    await expect(catalog.startExecution(id)).rejects.toThrow(/SourcePath is required by package 'extract'/);
    await catalog.setExecutionParameterValue(id, 'SourcePath', '/x.csv');
    await expect(catalog.setExecutionParameterValue(id, 'BatchSize', 'x')).rejects.toThrow(ValidationError);
    const withWorker = await catalog.addExecutionWorker(id, worker.workerAgentId);
    expect(withWorker).toMatchObject({ useAnyWorker: false, allowedWorkerIds: [worker.workerAgentId] });
    await expect(catalog.addExecutionWorker(id, 'ghost')).rejects.toThrow(/WorkerAgentId: /);
    await expect(catalog.startExecution(id, { retryCount: -1 })).rejects.toThrow(/RetryCount must be/);
    const started = await catalog.startExecution(id, { retryCount: 2 });
    expect(started).toMatchObject({ status: ExecutionStatus.pending, retryCount: 2, attemptCount: 1 });
    await expect(catalog.startExecution(id)).rejects.toThrow(IllegalStateError);
    await expect(catalog.setExecutionParameterValue(id, 'SourcePath', '/y.csv')).rejects.toThrow(IllegalStateError);
    await expect(catalog.addExecutionWorker(id, worker.workerAgentId)).rejects.toThrow(IllegalStateError);
    await expect(catalog.getExecution(404)).rejects.toThrow(NotFoundError);
  },

  'an execution limited to workers cannot start without one': async ({ catalog }) => {
    await deployEtl(catalog);
    const created = await catalog.createExecution(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', useAnyWorker: false, parameters: { SourcePath: 'a' } },
      admin,
    );
    await expect(catalog.startExecution(created.executionId)).rejects.toThrow(/add_execution_worker/);
    await expect(
      catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'extract', runInScaleOut: false }, admin),
    ).rejects.toThrow(/RunInScaleOut: /);
  },

  'executions list newest first, filtered and paged': async ({ catalog, clock }) => {
    await deployEtl(catalog);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      ids.push((await startExtract(catalog)).executionId);
    }
    await catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'load' }, admin);
    const first = await catalog.listExecutions({ packageName: 'extract' }, { limit: 2, offset: 0 });
    expect(first.items.map((e) => e.executionId)).toEqual([ids[4], ids[3]]);
    expect(first.nextOffset).toBe(2);
    const last = await catalog.listExecutions({ packageName: 'extract' }, { limit: 2, offset: 4 });
    expect(last.items.map((e) => e.executionId)).toEqual([ids[0]]);
    expect(last.nextOffset).toBeNull();
    const created = await catalog.listExecutions({ status: [ExecutionStatus.created] }, { limit: 10, offset: 0 });
    expect(created.items.map((e) => e.packageName)).toEqual(['load']);
    const recent = await catalog.listExecutions({ createdSince: clock.now() - 500 }, { limit: 10, offset: 0 });
    expect(recent.items).toHaveLength(2);
    expect(await catalog.countExecutionsByStatus(0)).toEqual({ [ExecutionStatus.pending]: 5, [ExecutionStatus.created]: 1 });
  },

  'a worker must exist to be named for an execution': async ({ catalog }) => {
    await deployEtl(catalog);
    const worker = await readyWorker(catalog, 'w1');
    const execution = await startExtract(catalog, { allowedWorkerIds: [worker.workerAgentId] });
    expect(execution).toMatchObject({ useAnyWorker: false, allowedWorkerIds: [worker.workerAgentId] });
  },
};
