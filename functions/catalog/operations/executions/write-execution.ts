import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { CreateExecutionInput, ScaleOutState } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import { ExecutionStatus, type DeclaredParameter, type Execution, type ParameterValue, type Task } from '../../domain.js';
import type { CatalogDb, CatalogTrx } from '../../engine.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { hotQuery } from '../../hot-query.js';
import { coerceParameterValue, findDeclaredParameter, requireParameterValues } from '../../parameters.js';
import { toTask } from '../../rows.js';
import { packageObjectType } from '../object-parameters.js';
import { scaleOutFlag, scaleOutStateOf, selectWorkerAvailability, type AvailabilityRow } from '../worker-rows.js';
import type { ExecutionParameterValuesTable, ExecutionsTable, TasksTable } from '../../schema.js';
import { resolveConfiguredValues } from './configured-parameters.js';
import { loadExecution, lockExecution, requireCreated, toExecution, toParameterValue } from './execution-rows.js';

/** A row as inserted: every column but the generated key, none left to its default. */
type NewRow<T, Key extends keyof T> = Required<Omit<Insertable<T>, Key>>;

// The statements every started execution runs (see hot-query.ts).
type PackageToRun = { folderName: string; projectName: string; versionNumber: number | null; packageName: string };
/**
 * The version named (the project's current one when `versionNumber` is null), its package named (null columns when
 * it has none of that name), and how many of the package's parameters the project's configuration sets, so that
 * an execution of an unconfigured package reads nothing more.
 */
const packageToRun = (db: CatalogDb | CatalogTrx, v: PackageToRun) =>
  db
    .selectFrom('project_versions as v')
    .innerJoin('projects as p', 'p.project_id', 'v.project_id')
    .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
    .leftJoin('packages as k', (join) => join.onRef('k.project_version_id', '=', 'v.project_version_id').on('k.name', '=', v.packageName))
    .select(['v.project_version_id', 'v.project_id', 'f.name as folder_name', 'p.name as project_name'])
    .select(['k.package_id', 'k.name as package_name', 'k.parameters', 'k.timeout_ms'])
    .select((eb) =>
      eb
        .selectFrom('object_parameters as o')
        .select((o) => o.fn.countAll<number>().as('n'))
        .whereRef('o.project_id', '=', 'p.project_id')
        .where('o.object_type', '=', packageObjectType)
        .whereRef('o.object_name', '=', 'k.name')
        .as('configured_count'),
    )
    .where('f.name', '=', v.folderName)
    .where('p.name', '=', v.projectName)
    .where((eb) => eb('v.version_number', '=', eb.fn.coalesce(eb.val(v.versionNumber), eb.ref('p.current_version_number'))))
    .where('v.removed_time', 'is', null);
const selectPackageToRun = hotQuery(packageToRun);
/**
 * The same, with the Scale Out state a started execution's answer shows (its waiting reason): a row per worker,
 * in their display names' order (one row, its worker columns null, while no worker is registered), each with
 * IS_SCALEOUT_ENABLED.
 */
const selectPackageToRunAndScaleOut = hotQuery((db, v: PackageToRun) =>
  db
    .selectFrom(packageToRun(db, v).as('r'))
    .leftJoin(selectWorkerAvailability(db).as('w'), (join) => join.on(sql<boolean>`1 = 1`))
    .selectAll('r')
    .selectAll('w')
    .select(scaleOutFlag(db).as('is_scale_out_enabled'))
    .orderBy('w.display_name'),
);
const insertExecutionRow = hotQuery((db, row: NewRow<ExecutionsTable, 'execution_id'>) =>
  db.insertInto('executions').values(row).returning('execution_id'),
);
// worker_display_name is written only when the worker is removed.
const insertTaskRow = hotQuery((db, row: NewRow<TasksTable, 'task_id' | 'worker_display_name'>) => db.insertInto('tasks').values(row).returning('task_id'));

/** A parameter's row: sensitive values are stored only encrypted. */
function parameterRow(
  ctx: CatalogContext,
  executionId: number,
  declared: DeclaredParameter,
  value: ParameterValue,
): Required<Insertable<ExecutionParameterValuesTable>> {
  const json = JSON.stringify(coerceParameterValue(declared, value));
  return {
    execution_id: executionId,
    parameter_name: declared.name,
    parameter_value: declared.sensitive ? null : json,
    sensitive: declared.sensitive ? 1 : 0,
    sensitive_value: declared.sensitive ? ctx.cipher.encrypt(json) : null,
  };
}

/** set_execution_parameter_value. */
export async function storeParameter(
  ctx: CatalogContext,
  trx: CatalogTrx,
  executionId: number,
  declared: DeclaredParameter,
  value: ParameterValue,
): Promise<void> {
  await trx
    .deleteFrom('execution_parameter_values')
    .where('execution_id', '=', executionId)
    .where('parameter_name', '=', declared.name)
    .execute();
  await trx.insertInto('execution_parameter_values').values(parameterRow(ctx, executionId, declared, value)).execute();
}

/**
 * Queues an attempt of an execution as a pending task, and tells `ctx.taskQueued` once a claim can see it.
 * `queuedTime` is when the execution was first queued (a retry passes its earlier attempt's), so the claim takes
 * it before work queued after it.
 */
export async function queueAttempt(
  ctx: CatalogContext,
  trx: CatalogTrx,
  executionId: number,
  attemptNumber: number,
  now: number,
  queuedTime = now,
): Promise<Task> {
  const row: NewRow<TasksTable, 'task_id' | 'worker_display_name'> = {
    execution_id: executionId,
    attempt_number: attemptNumber,
    state: 'pending',
    worker_agent_id: null,
    created_time: now,
    claimed_time: null,
    lease_deadline: null,
    last_heartbeat_time: null,
    cancel_requested: 0,
    end_time: null,
    exit_code: null,
    result_message: null,
    queued_time: queuedTime,
    claim_id: null,
  };
  const taskId = (await insertTaskRow(trx, row)).rows[0]!.task_id;
  if (ctx.taskQueued) ctx.engine.whenVisible(trx, ctx.taskQueued);
  return toTask({ ...row, task_id: taskId, worker_display_name: null, worker_name: null });
}

export async function requireWorker(trx: CatalogTrx, workerAgentId: string, field: string): Promise<void> {
  const worker = await trx
    .selectFrom('worker_agents')
    .select('worker_agent_id')
    .where('worker_agent_id', '=', workerAgentId)
    .executeTakeFirst();
  if (!worker) throw new ValidationError(field, `worker agent '${workerAgentId}' does not exist`);
}

export function validRetryCount(retryCount: number | undefined): number {
  const value = retryCount ?? 0;
  if (!Number.isInteger(value) || value < 0) throw new ValidationError('retryCount', 'must be a whole number ≥ 0');
  return value;
}

/** start_execution: checks what must hold before a worker may take it, then queues attempt 1. */
export async function startInTransaction(ctx: CatalogContext, trx: CatalogTrx, executionId: number, retryCount: number): Promise<void> {
  const execution = await lockExecution(trx, executionId);
  requireCreated(executionId, execution.status, 'start');
  const values = await trx
    .selectFrom('execution_parameter_values')
    .select('parameter_name')
    .where('execution_id', '=', executionId)
    .execute();
  const set = new Set(values.map((v) => v.parameter_name.toLowerCase()));
  requireParameterValues(execution.declared, (name) => set.has(name.toLowerCase()), execution.packageName);
  if (!execution.useAnyWorker) {
    const workers = await trx
      .selectFrom('execution_workers')
      .select('worker_agent_id')
      .where('execution_id', '=', executionId)
      .executeTakeFirst();
    if (!workers) {
      throw new ValidationError(
        'workers',
        'the execution does not use any worker, so it needs at least one worker added (add_execution_worker)',
      );
    }
  }
  await trx
    .updateTable('executions')
    .set({ status: ExecutionStatus.pending, retry_count: retryCount, status_message: null })
    .where('execution_id', '=', executionId)
    .execute();
  await queueAttempt(ctx, trx, executionId, 1, ctx.clock.now());
}

/**
 * create_execution (and start_execution when asked) inside the caller's transaction. Everything is checked
 * before anything is written, so a refusal leaves the transaction clean; a started execution is written pending
 * with its first attempt at once. The execution is returned as written, without reading it back. A child named
 * by a key its parent already used is not created again: the existing child is returned. `readScaleOut`: a
 * started execution's answer will show its waiting reason, so the package's statement reads the Scale Out state
 * too (`scaleOut`).
 */
export async function insertExecution(
  ctx: CatalogContext,
  trx: CatalogTrx,
  input: CreateExecutionInput & { scheduleId?: number },
  actor: string,
  readScaleOut = false,
): Promise<{ execution: Execution; created: boolean; scaleOut?: ScaleOutState }> {
  if (input.runInScaleOut === false) {
    throw new ValidationError('runInScaleOut', 'this master runs executions in Scale Out only');
  }
  if (input.childKey !== undefined && input.parentExecutionId === undefined) {
    throw new ValidationError('childKey', 'only a child execution (with a parent) has a key');
  }
  const retryCount = input.start ? validRetryCount(input.start.retryCount) : 0;
  const allowed = [...new Set(input.allowedWorkerIds ?? [])];
  const useAnyWorker = input.useAnyWorker ?? allowed.length === 0;

  if (input.parentExecutionId !== undefined) {
    const parent = await trx
      .selectFrom('executions')
      .select('execution_id')
      .where('execution_id', '=', input.parentExecutionId)
      .executeTakeFirst();
    if (!parent) throw new ValidationError('parentExecutionId', `execution ${input.parentExecutionId} does not exist`);
    if (input.childKey !== undefined) {
      const existing = await trx
        .selectFrom('executions')
        .select('execution_id')
        .where('parent_execution_id', '=', input.parentExecutionId)
        .where('child_key', '=', input.childKey)
        .executeTakeFirst();
      if (existing) return { execution: await loadExecution(trx, existing.execution_id), created: false };
    }
  }

  const toRun = { folderName: input.folderName, projectName: input.projectName, versionNumber: input.versionNumber ?? null, packageName: input.packageName };
  let version;
  let scaleOut: ScaleOutState | undefined;
  if (readScaleOut && input.start) {
    const { rows } = await selectPackageToRunAndScaleOut(trx, toRun);
    version = rows[0];
    // Its left join makes every worker column nullable; a row with a worker has them as stored.
    const workers = rows.filter((row) => row.worker_agent_id !== null) as AvailabilityRow[];
    if (version) scaleOut = await scaleOutStateOf(trx, version.is_scale_out_enabled, workers);
  } else {
    version = (await selectPackageToRun(trx, toRun)).rows[0];
  }
  if (!version) {
    throw new NotFoundError(
      'project',
      `${input.folderName}/${input.projectName}${input.versionNumber === undefined ? '' : ` version ${input.versionNumber}`}`,
    );
  }
  if (version.package_id === null) throw new NotFoundError('package', `${input.folderName}/${input.projectName}/${input.packageName}`);
  const pkg = { package_id: version.package_id, name: version.package_name!, parameters: version.parameters!, timeout_ms: version.timeout_ms };
  const declared = JSON.parse(pkg.parameters) as DeclaredParameter[];
  // As SSISDB does, every declared parameter with a default gets its value now; given values replace them.
  const values = new Map<string, { declaration: DeclaredParameter; value: ParameterValue }>();
  for (const declaration of declared) {
    if (declaration.defaultValue !== undefined) values.set(declaration.name, { declaration, value: declaration.defaultValue });
  }
  const given = new Map<string, { declaration: DeclaredParameter; value: ParameterValue }>();
  for (const [name, value] of Object.entries(input.parameters ?? {})) {
    const declaration = findDeclaredParameter(declared, name, pkg.name);
    given.set(declaration.name, { declaration, value });
  }
  // Then what the deployed project's configuration sets (literals, and variables of the referenced environment),
  // then the values given, which override both.
  const configured = await resolveConfiguredValues(
    ctx,
    trx,
    {
      projectId: version.project_id,
      folderName: version.folder_name,
      projectName: version.project_name,
      packageName: pkg.name,
      declared,
      configured: Number(version.configured_count) > 0,
    },
    input.referenceId,
    (name) => given.has(name),
  );
  for (const [name, { declaration, value }] of [...configured, ...given]) {
    values.set(name, { declaration, value: coerceParameterValue(declaration, value) });
  }
  for (const [index, workerAgentId] of allowed.entries()) await requireWorker(trx, workerAgentId, `allowedWorkerIds[${index}]`);
  if (input.start) {
    // The checks start_execution makes, made before anything is written (a schedule relies on that).
    requireParameterValues(declared, (name) => values.has(name), pkg.name);
    if (!useAnyWorker && allowed.length === 0) {
      throw new ValidationError('workers', 'the execution does not use any worker, so it needs at least one worker (add_execution_worker)');
    }
  }

  const now = ctx.clock.now();
  const row: NewRow<ExecutionsTable, 'execution_id'> = {
    folder_name: version.folder_name,
    project_name: version.project_name,
    package_name: pkg.name,
    project_version_id: version.project_version_id,
    package_id: pkg.package_id,
    status: input.start ? ExecutionStatus.pending : ExecutionStatus.created,
    run_in_scaleout: 1,
    use_any_worker: useAnyWorker ? 1 : 0,
    retry_count: retryCount,
    timeout_ms: input.timeoutMs ?? pkg.timeout_ms,
    created_by: actor,
    created_time: now,
    start_time: null,
    end_time: null,
    status_message: null,
    parent_execution_id: input.parentExecutionId ?? null,
    child_key: input.childKey ?? null,
    schedule_id: input.scheduleId ?? null,
  };
  const executionId = (await insertExecutionRow(trx, row)).rows[0]!.execution_id;
  const parameterRows = [...values.values()].map(({ declaration, value }) => parameterRow(ctx, executionId, declaration, value));
  if (parameterRows.length > 0) await trx.insertInto('execution_parameter_values').values(parameterRows).execute();
  if (allowed.length > 0) {
    await trx
      .insertInto('execution_workers')
      .values(allowed.map((workerAgentId) => ({ execution_id: executionId, worker_agent_id: workerAgentId })))
      .execute();
  }
  const tags = [...new Map((input.requiredTags ?? []).map((tag) => [tag.toLowerCase(), tag])).values()];
  if (tags.length > 0) {
    await trx
      .insertInto('execution_required_tags')
      .values(tags.map((tag) => ({ execution_id: executionId, tag })))
      .execute();
  }
  const attempts = input.start ? [await queueAttempt(ctx, trx, executionId, 1, now)] : [];
  const execution = toExecution(
    { ...row, execution_id: executionId },
    { attempts, parameters: parameterRows.map(toParameterValue), allowedWorkerIds: allowed, requiredTags: tags, childCount: 0 },
  );
  return { execution, created: true, ...(scaleOut ? { scaleOut } : {}) };
}
