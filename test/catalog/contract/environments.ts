import { expect } from 'vitest';
import type { Catalog } from '../../../functions/catalog/catalog.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/catalog/errors.js';
import type { CatalogHarness } from '../../support/catalog-harness.js';
import { admin, claimOne, deployEtl, readyTopology, type Scenario } from './fixtures.js';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

async function fieldError(promise: Promise<unknown>): Promise<{ field: string; reason: string }> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).errors[0]!;
}

async function auditActions(catalog: Catalog): Promise<string[]> {
  return (await catalog.listAuditTrail({ limit: 100, offset: 0 })).items.map((e) => e.action);
}

/** Finance/Prod with a path, a batch size and a sensitive token; ETL references it and takes all three from it. */
async function prodConfigured(h: CatalogHarness) {
  const { worker } = await readyTopology(h);
  const { catalog } = h;
  await catalog.createEnvironment({ folderName: 'Finance', environmentName: 'Prod', description: 'production' }, admin);
  await catalog.createEnvironmentVariable('Finance', 'Prod', { name: 'InPath', dataType: 'String', value: '/prod/in.csv' }, admin);
  await catalog.createEnvironmentVariable('Finance', 'Prod', { name: 'Batch', dataType: 'Int32', value: '500' }, admin);
  await catalog.createEnvironmentVariable('Finance', 'Prod', { name: 'Token', dataType: 'String', sensitive: true, value: 'prod-s3cret' }, admin);
  const reference = await catalog.createEnvironmentReference({ folderName: 'Finance', projectName: 'ETL', environmentName: 'Prod' }, admin);
  const configure = (parameterName: string, referencedVariableName: string) =>
    catalog.setObjectParameterValue(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameterName, valueType: 'R', referencedVariableName },
      admin,
    );
  await configure('SourcePath', 'InPath');
  await configure('BatchSize', 'Batch');
  await configure('ApiToken', 'Token');
  return { worker, reference };
}

export const environmentScenarios: Record<string, Scenario> = {
  'create, rename, list and delete environments in a folder, each audited': async ({ catalog, clock }) => {
    const created = await catalog.createEnvironment({ folderName: 'Finance', environmentName: 'Test', description: 'for testing' }, admin);
    expect(created).toEqual({
      environmentId: created.environmentId,
      folderName: 'Finance',
      name: 'Test',
      description: 'for testing',
      createdBy: admin,
      createdTime: clock.now(),
      variables: [],
    });
    // The folder is created with it, as deploy_project creates one.
    expect((await catalog.listFolders()).map((f) => f.name)).toEqual(['Finance']);
    await catalog.createEnvironment({ folderName: 'HR', environmentName: 'Test' }, admin);
    const clash = await rejection(catalog.createEnvironment({ folderName: 'Finance', environmentName: 'Test' }, admin));
    expect(clash).toBeInstanceOf(ConflictError);
    expect(clash.message).toBe("folder 'Finance' already has an environment named 'Test'");
    expect(await fieldError(catalog.createEnvironment({ folderName: 'Finance', environmentName: 'a/b' }, admin))).toEqual({
      field: 'environmentName',
      reason: "must not contain '/' (it separates folder and name)",
    });

    const renamed = await catalog.renameEnvironment('Finance', 'Test', 'Prod', admin);
    expect(renamed).toMatchObject({ environmentId: created.environmentId, name: 'Prod', description: 'for testing' });
    expect((await catalog.listEnvironments()).map((e) => `${e.folderName}/${e.name}`)).toEqual(['Finance/Prod', 'HR/Test']);
    expect((await catalog.listEnvironments('HR')).map((e) => e.name)).toEqual(['Test']);
    await expect(catalog.getEnvironment('Finance', 'Test')).rejects.toBeInstanceOf(NotFoundError);

    await catalog.deleteEnvironment('Finance', 'Prod', admin);
    expect((await catalog.listEnvironments()).map((e) => e.name)).toEqual(['Test']);
    await expect(catalog.deleteEnvironment('Finance', 'Prod', admin)).rejects.toBeInstanceOf(NotFoundError);
    expect(await auditActions(catalog)).toEqual([
      'delete-environment',
      'rename-environment',
      'create-environment',
      'create-folder',
      'create-environment',
      'create-folder',
    ]);
    const [deleted, rename] = (await catalog.listAuditTrail({ limit: 2, offset: 0 })).items;
    expect(deleted).toMatchObject({ targetType: 'environment', targetId: 'Finance/Prod', actor: admin });
    expect(rename).toMatchObject({ targetId: 'Finance/Prod', details: { previousName: 'Test' } });
  },

  'typed variables are checked, stored in their type, and a sensitive one only encrypted and never shown': async (h) => {
    const { catalog } = h;
    await catalog.createEnvironment({ folderName: 'Finance', environmentName: 'Prod' }, admin);
    const add = (name: string, dataType: 'String' | 'Int32' | 'Int64' | 'Boolean' | 'Double' | 'DateTime', value: string | number | boolean, sensitive = false) =>
      catalog.createEnvironmentVariable('Finance', 'Prod', { name, dataType, value, sensitive, description: `the ${name}` }, admin);
    expect(await add('Rows', 'Int32', '42')).toEqual({
      variableId: expect.any(Number) as number,
      name: 'Rows',
      dataType: 'Int32',
      sensitive: false,
      description: 'the Rows',
      value: 42,
    });
    await add('Big', 'Int64', 9_007_199_254_740_991);
    await add('Strict', 'Boolean', 'true');
    await add('Ratio', 'Double', '0.25');
    await add('Since', 'DateTime', '2026-01-02T03:04:05Z');
    const secret = await add('Password', 'String', 'pa55-w0rd', true);
    expect(secret.value).toBeNull();
    expect(await fieldError(add('Bad', 'Int32', 'twelve'))).toEqual({ field: 'value', reason: "expected an Int32, got 'twelve'" });
    expect(await fieldError(add('Huge', 'Int32', 3_000_000_000))).toEqual({ field: 'value', reason: '3000000000 is outside the Int32 range' });
    expect(await fieldError(add('When', 'DateTime', 'yesterday'))).toMatchObject({ field: 'value' });
    await expect(add('Rows', 'String', 'again')).rejects.toBeInstanceOf(ConflictError);

    const environment = await catalog.getEnvironment('Finance', 'Prod');
    expect(environment.variables.map((v) => [v.name, v.dataType, v.value])).toEqual([
      ['Big', 'Int64', 9_007_199_254_740_991],
      ['Password', 'String', null],
      ['Ratio', 'Double', 0.25],
      ['Rows', 'Int32', 42],
      ['Since', 'DateTime', '2026-01-02T03:04:05.000Z'],
      ['Strict', 'Boolean', true],
    ]);
    const stored = await h.engine.db.selectFrom('environment_variables').selectAll().where('name', '=', 'Password').executeTakeFirstOrThrow();
    expect(stored.value).toBeNull();
    expect(stored.sensitive_value).toMatch(/^v1\./);
    expect(stored.sensitive_value).not.toContain('pa55');

    expect(await catalog.setEnvironmentVariableValue('Finance', 'Prod', 'Rows', 7, admin)).toMatchObject({ value: 7 });
    expect(await catalog.setEnvironmentVariableValue('Finance', 'Prod', 'Password', 'n3w-pa55', admin)).toMatchObject({ value: null, sensitive: true });
    expect(await fieldError(catalog.setEnvironmentVariableValue('Finance', 'Prod', 'Strict', 'maybe', admin))).toMatchObject({ field: 'value' });
    await expect(catalog.setEnvironmentVariableValue('Finance', 'Prod', 'Nope', 1, admin)).rejects.toBeInstanceOf(NotFoundError);
    await catalog.deleteEnvironmentVariable('Finance', 'Prod', 'Ratio', admin);
    expect((await catalog.getEnvironment('Finance', 'Prod')).variables.map((v) => v.name)).not.toContain('Ratio');

    const trail = (await catalog.listAuditTrail({ limit: 100, offset: 0 })).items;
    expect(trail.map((e) => e.action).slice(0, 4)).toEqual([
      'delete-environment-variable',
      'set-environment-variable-value',
      'set-environment-variable-value',
      'create-environment-variable',
    ]);
    expect(trail[1]).toMatchObject({ targetId: 'Finance/Prod', details: { variable: 'Password', sensitive: true } });
    expect(JSON.stringify(trail)).not.toMatch(/pa55/);
    expect(JSON.stringify(await catalog.listEnvironments())).not.toMatch(/pa55/);
  },

  'references are relative (the project folder) or absolute (another folder), unique, and hold their environment': async ({ catalog }) => {
    await deployEtl(catalog);
    await catalog.createEnvironment({ folderName: 'Finance', environmentName: 'Prod' }, admin);
    await catalog.createEnvironment({ folderName: 'Shared', environmentName: 'Common' }, admin);
    const relative = await catalog.createEnvironmentReference({ folderName: 'Finance', projectName: 'ETL', environmentName: 'Prod' }, admin);
    const absolute = await catalog.createEnvironmentReference(
      { folderName: 'Finance', projectName: 'ETL', environmentName: 'Common', environmentFolderName: 'Shared' },
      admin,
    );
    expect(relative).toMatchObject({ folderName: 'Finance', projectName: 'ETL', referenceType: 'R', environmentFolderName: null, environmentName: 'Prod', createdBy: admin });
    expect(absolute).toMatchObject({ referenceType: 'A', environmentFolderName: 'Shared', environmentName: 'Common' });
    expect(await catalog.listEnvironmentReferences('Finance', 'ETL')).toEqual([relative, absolute]);
    // The same environment again, even spelled absolutely, is refused.
    const twice = await rejection(
      catalog.createEnvironmentReference({ folderName: 'Finance', projectName: 'ETL', environmentName: 'Prod', environmentFolderName: 'Finance' }, admin),
    );
    expect(twice).toBeInstanceOf(ConflictError);
    expect(twice.message).toBe("project 'Finance/ETL' already references environment 'Finance/Prod'");
    expect(await fieldError(catalog.createEnvironmentReference({ folderName: 'Finance', projectName: 'ETL', environmentName: 'Dev' }, admin))).toEqual({
      field: 'environmentName',
      reason: "folder 'Finance' has no environment 'Dev'",
    });
    await expect(catalog.createEnvironmentReference({ folderName: 'Finance', projectName: 'Nope', environmentName: 'Prod' }, admin)).rejects.toBeInstanceOf(NotFoundError);

    // A referenced environment cannot be deleted; renamed, its references follow it.
    const held = await rejection(catalog.deleteEnvironment('Shared', 'Common', admin));
    expect(held).toBeInstanceOf(ConflictError);
    expect(held.message).toBe("environment 'Shared/Common' is referenced by Finance/ETL: delete those references first");
    await catalog.renameEnvironment('Finance', 'Prod', 'Production', admin);
    await catalog.renameEnvironment('Shared', 'Common', 'Everyone', admin);
    expect((await catalog.listEnvironmentReferences('Finance', 'ETL')).map((r) => r.environmentName)).toEqual(['Production', 'Everyone']);

    await catalog.deleteEnvironmentReference(absolute.referenceId, admin);
    await catalog.deleteEnvironment('Shared', 'Everyone', admin);
    await expect(catalog.deleteEnvironmentReference(absolute.referenceId, admin)).rejects.toBeInstanceOf(NotFoundError);
    expect(await catalog.listEnvironmentReferences('Finance', 'ETL')).toHaveLength(1);
    const trail = (await catalog.listAuditTrail({ limit: 100, offset: 0 })).items;
    expect(trail.find((e) => e.action === 'delete-environment-reference')).toMatchObject({
      targetType: 'project',
      targetId: 'Finance/ETL',
      details: { referenceId: absolute.referenceId, environment: 'Shared/Everyone' },
    });
    expect(trail.filter((e) => e.action === 'create-environment-reference')).toHaveLength(2);
  },

  'set_object_parameter_value keeps literals and references on the project, across new versions': async (h) => {
    const { catalog } = h;
    await deployEtl(catalog);
    const set = (parameterName: string, change: { valueType: 'V' | 'R'; value?: string | number; referencedVariableName?: string }) =>
      catalog.setObjectParameterValue({ folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameterName, ...change }, admin);
    expect(await set('batchsize', { valueType: 'V', value: '250' })).toEqual({
      packageName: 'extract',
      parameterName: 'BatchSize',
      dataType: 'Int32',
      required: false,
      sensitive: false,
      designDefaultValue: 100,
      valueSet: true,
      valueType: 'V',
      value: 250,
      referencedVariableName: null,
    });
    expect(await set('ApiToken', { valueType: 'V', value: 'literal-t0ken' })).toMatchObject({ valueType: 'V', value: null, sensitive: true });
    expect(await set('SourcePath', { valueType: 'R', referencedVariableName: 'InPath' })).toMatchObject({ valueType: 'R', value: null, referencedVariableName: 'InPath' });
    const raw = await h.engine.db.selectFrom('object_parameters').selectAll().where('parameter_name', '=', 'ApiToken').executeTakeFirstOrThrow();
    expect(raw.value).toBeNull();
    expect(raw.sensitive_value).not.toContain('literal-t0ken');

    expect(await fieldError(set('BatchSize', { valueType: 'V', value: 'many' }))).toEqual({ field: 'value', reason: "expected an Int32, got 'many'" });
    expect(await fieldError(set('BatchSize', { valueType: 'R' }))).toMatchObject({ field: 'referencedVariableName' });
    expect(await fieldError(set('BatchSize', { valueType: 'V' }))).toMatchObject({ field: 'value' });
    expect(await fieldError(set('Nope', { valueType: 'V', value: 1 }))).toEqual({
      field: 'parameterName',
      reason: "package 'extract' declares no parameter 'Nope' (declared: SourcePath, BatchSize, ApiToken, DryRun)",
    });
    await expect(
      catalog.setObjectParameterValue({ folderName: 'Finance', projectName: 'ETL', packageName: 'nope', parameterName: 'X', valueType: 'V', value: 1 }, admin),
    ).rejects.toBeInstanceOf(NotFoundError);

    await deployEtl(catalog, Buffer.from('PK-version-2'));
    const listed = await catalog.listObjectParameters('Finance', 'ETL');
    expect(listed.filter((p) => p.valueSet).map((p) => [p.parameterName, p.valueType, p.value, p.referencedVariableName])).toEqual([
      ['SourcePath', 'R', null, 'InPath'],
      ['BatchSize', 'V', 250, null],
      ['ApiToken', 'V', null, null],
    ]);
    expect(listed.find((p) => p.parameterName === 'DryRun')).toMatchObject({ valueSet: false, designDefaultValue: false, valueType: null });
    expect(listed.filter((p) => p.packageName === 'load')).toEqual([]);
    const trail = (await catalog.listAuditTrail({ limit: 100, offset: 0 })).items.filter((e) => e.action === 'set-object-parameter-value');
    expect(trail).toHaveLength(3);
    expect(trail[0]).toMatchObject({ targetId: 'Finance/ETL', details: { package: 'extract', parameter: 'SourcePath', valueType: 'R', referencedVariableName: 'InPath' } });
    expect(JSON.stringify(trail)).not.toContain('literal-t0ken');
  },

  "create_execution with a reference takes the environment's values, sensitive ones encrypted, given values overriding": async (h) => {
    const { catalog } = h;
    const { worker, reference } = await prodConfigured(h);
    const execution = await catalog.createExecution(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', referenceId: reference.referenceId, parameters: { DryRun: 'true' }, start: {} },
      admin,
    );
    expect(execution.parameters).toEqual([
      { name: 'ApiToken', sensitive: true, value: null },
      { name: 'BatchSize', sensitive: false, value: 500 },
      { name: 'DryRun', sensitive: false, value: true },
      { name: 'SourcePath', sensitive: false, value: '/prod/in.csv' },
    ]);
    const stored = await h.engine.db.selectFrom('execution_parameter_values').selectAll().where('parameter_name', '=', 'ApiToken').executeTakeFirstOrThrow();
    expect(stored.sensitive_value).not.toContain('prod-s3cret');
    expect(JSON.stringify(await catalog.getExecution(execution.executionId))).not.toContain('prod-s3cret');
    // Only the worker holding the lease receives the decrypted value.
    const task = await claimOne(catalog, worker.workerAgentId);
    expect(task.parameters).toEqual({ SourcePath: '/prod/in.csv', BatchSize: 500, ApiToken: 'prod-s3cret', DryRun: true });

    // Given values override the environment's.
    const overridden = await catalog.createExecution(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', referenceId: reference.referenceId, parameters: { SourcePath: '/mine.csv' } },
      admin,
    );
    expect(overridden.parameters.find((p) => p.name === 'SourcePath')?.value).toBe('/mine.csv');
    // A changed variable is what the next execution gets: values are resolved at creation.
    await catalog.setEnvironmentVariableValue('Finance', 'Prod', 'Batch', 900, admin);
    const later = await catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'extract', referenceId: reference.referenceId }, admin);
    expect(later.parameters.find((p) => p.name === 'BatchSize')?.value).toBe(900);
  },

  'create_execution refuses a variable of another type, a sensitive one into a plain parameter, and a missing reference': async (h) => {
    const { catalog } = h;
    const { reference } = await prodConfigured(h);
    const run = (referenceId?: number, parameters?: Record<string, string>) =>
      catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'extract', referenceId, parameters, start: {} }, admin);
    const executionsBefore = (await catalog.listExecutions({}, { limit: 10, offset: 0 })).items.length;

    await catalog.createEnvironmentVariable('Finance', 'Prod', { name: 'Label', dataType: 'String', value: 'many' }, admin);
    await catalog.setObjectParameterValue(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameterName: 'BatchSize', valueType: 'R', referencedVariableName: 'Label' },
      admin,
    );
    expect(await fieldError(run(reference.referenceId))).toEqual({
      field: 'parameters.BatchSize',
      reason: "parameter 'BatchSize' (Int32) cannot take environment variable 'Label' (String) of 'Finance/Prod'",
    });
    // A value given for it replaces the reference, so nothing needs resolving.
    expect((await run(reference.referenceId, { BatchSize: '5' })).parameters.find((p) => p.name === 'BatchSize')?.value).toBe(5);

    await catalog.setObjectParameterValue(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameterName: 'BatchSize', valueType: 'R', referencedVariableName: 'Missing' },
      admin,
    );
    expect(await fieldError(run(reference.referenceId))).toEqual({
      field: 'parameters.BatchSize',
      reason: "refers to environment variable 'Missing', which environment 'Finance/Prod' does not have",
    });
    await catalog.setObjectParameterValue(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameterName: 'BatchSize', valueType: 'R', referencedVariableName: 'Token' },
      admin,
    );
    expect(await fieldError(run(reference.referenceId))).toEqual({
      field: 'parameters.BatchSize',
      reason: "parameter 'BatchSize' (Int32) cannot take environment variable 'Token' (String) of 'Finance/Prod'",
    });
    await catalog.setObjectParameterValue(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameterName: 'SourcePath', valueType: 'R', referencedVariableName: 'Token' },
      admin,
    );
    expect(await fieldError(run(reference.referenceId, { BatchSize: '1' }))).toEqual({
      field: 'parameters.SourcePath',
      reason: "parameter 'SourcePath' is not sensitive, so it cannot take sensitive environment variable 'Token' of 'Finance/Prod'",
    });
    expect(await fieldError(run(undefined, { BatchSize: '1', SourcePath: '/x' }))).toEqual({
      field: 'referenceId',
      reason: "parameter 'ApiToken' refers to environment variable 'Token': name one of project 'Finance/ETL''s environment references",
    });
    expect(await fieldError(run(reference.referenceId + 100, { BatchSize: '1', SourcePath: '/x' }))).toEqual({
      field: 'referenceId',
      reason: `project 'Finance/ETL' has no environment reference ${reference.referenceId + 100}`,
    });
    // Refusals created nothing (the one overriding run succeeded).
    expect((await catalog.listExecutions({}, { limit: 10, offset: 0 })).items.length).toBe(executionsBefore + 1);
  },

  'a schedule names a reference: each run takes the environment values, and the reference is held': async (h) => {
    const { catalog } = h;
    const { reference } = await prodConfigured(h);
    const schedule = await catalog.createSchedule(
      { name: 'nightly', folderName: 'Finance', projectName: 'ETL', packageName: 'extract', referenceId: reference.referenceId, cronExpression: '0 2 * * *' },
      admin,
    );
    expect(schedule.referenceId).toBe(reference.referenceId);
    expect(schedule.sensitiveParameterNames).toEqual([]);
    const execution = await catalog.runScheduleNow(schedule.scheduleId, admin);
    expect(execution.parameters.find((p) => p.name === 'SourcePath')?.value).toBe('/prod/in.csv');
    expect(execution.parameters.find((p) => p.name === 'ApiToken')).toEqual({ name: 'ApiToken', sensitive: true, value: null });
    const held = await rejection(catalog.deleteEnvironmentReference(reference.referenceId, admin));
    expect(held).toBeInstanceOf(ConflictError);
    expect(held.message).toBe(`environment reference ${reference.referenceId} is used by schedule(s) nightly: remove them first`);
    // Without a reference the schedule is refused at once, not at 2 am.
    expect(
      await fieldError(catalog.createSchedule({ name: 'bare', folderName: 'Finance', projectName: 'ETL', packageName: 'extract', cronExpression: '0 3 * * *' }, admin)),
    ).toMatchObject({ field: 'referenceId' });
  },
};
