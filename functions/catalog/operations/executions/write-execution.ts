import type { CreateExecutionInput } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import { ExecutionStatus, type DeclaredParameter, type ParameterValue } from '../../domain.js';
import type { CatalogTrx } from '../../engine.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { coerceParameterValue, findDeclaredParameter } from '../../parameters.js';
import { lockExecution, requireCreated } from './execution-rows.js';

/** set_execution_parameter_value: sensitive values are stored only encrypted. */
export async function storeParameter(
  ctx: CatalogContext,
  trx: CatalogTrx,
  executionId: number,
  declared: DeclaredParameter,
  value: ParameterValue,
): Promise<void> {
  const json = JSON.stringify(coerceParameterValue(declared, value));
  await trx
    .deleteFrom('execution_parameter_values')
    .where('execution_id', '=', executionId)
    .where('parameter_name', '=', declared.name)
    .execute();
  await trx
    .insertInto('execution_parameter_values')
    .values({
      execution_id: executionId,
      parameter_name: declared.name,
      parameter_value: declared.sensitive ? null : json,
      sensitive: declared.sensitive ? 1 : 0,
      sensitive_value: declared.sensitive ? ctx.cipher.encrypt(json) : null,
    })
    .execute();
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
  const missing = execution.declared.find((p) => p.required && !set.has(p.name.toLowerCase()));
  if (missing) {
    throw new ValidationError(`parameters.${missing.name}`, `required by package '${execution.packageName}' and has no value`);
  }
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
  await trx
    .insertInto('tasks')
    .values({ execution_id: executionId, attempt_number: 1, state: 'pending', created_time: ctx.clock.now(), cancel_requested: 0 })
    .execute();
}

/**
 * create_execution (and start_execution when asked) inside the caller's transaction. Everything is checked
 * before anything is written, so a refusal leaves the transaction clean. A child named by a key its parent already used is not created again: the
 * existing child's id is returned.
 */
export async function insertExecution(
  ctx: CatalogContext,
  trx: CatalogTrx,
  input: CreateExecutionInput & { scheduleId?: number },
  actor: string,
): Promise<{ executionId: number; created: boolean }> {
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
      if (existing) return { executionId: existing.execution_id, created: false };
    }
  }

  let versionQuery = trx
    .selectFrom('project_versions as v')
    .innerJoin('projects as p', 'p.project_id', 'v.project_id')
    .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
    .select(['v.project_version_id', 'f.name as folder_name', 'p.name as project_name'])
    .where('f.name', '=', input.folderName)
    .where('p.name', '=', input.projectName)
    .orderBy('v.version_number', 'desc');
  if (input.versionNumber !== undefined) versionQuery = versionQuery.where('v.version_number', '=', input.versionNumber);
  const version = await versionQuery.limit(1).executeTakeFirst();
  if (!version) {
    throw new NotFoundError(
      'project',
      `${input.folderName}/${input.projectName}${input.versionNumber === undefined ? '' : ` version ${input.versionNumber}`}`,
    );
  }
  const pkg = await trx
    .selectFrom('packages')
    .selectAll()
    .where('project_version_id', '=', version.project_version_id)
    .where('name', '=', input.packageName)
    .executeTakeFirst();
  if (!pkg) throw new NotFoundError('package', `${input.folderName}/${input.projectName}/${input.packageName}`);
  const declared = JSON.parse(pkg.parameters) as DeclaredParameter[];
  const given = Object.entries(input.parameters ?? {}).map(([name, value]) => {
    const declaration = findDeclaredParameter(declared, name, pkg.name);
    return { declaration, value: coerceParameterValue(declaration, value) };
  });
  for (const [index, workerAgentId] of allowed.entries()) await requireWorker(trx, workerAgentId, `allowedWorkerIds[${index}]`);
  if (input.start) {
    // The checks start_execution makes, made before anything is written (a schedule relies on that).
    const valued = new Set([...given.map((g) => g.declaration.name), ...declared.filter((p) => p.defaultValue !== undefined).map((p) => p.name)]);
    const missing = declared.find((p) => p.required && !valued.has(p.name));
    if (missing) throw new ValidationError(`parameters.${missing.name}`, `required by package '${pkg.name}' and has no value`);
    if (!useAnyWorker && allowed.length === 0) {
      throw new ValidationError('workers', 'the execution does not use any worker, so it needs at least one worker (add_execution_worker)');
    }
  }

  const { execution_id: executionId } = await trx
    .insertInto('executions')
    .values({
      folder_name: version.folder_name,
      project_name: version.project_name,
      package_name: pkg.name,
      project_version_id: version.project_version_id,
      package_id: pkg.package_id,
      status: ExecutionStatus.created,
      run_in_scaleout: 1,
      use_any_worker: useAnyWorker ? 1 : 0,
      retry_count: retryCount,
      timeout_ms: input.timeoutMs ?? pkg.timeout_ms,
      created_by: actor,
      created_time: ctx.clock.now(),
      parent_execution_id: input.parentExecutionId ?? null,
      child_key: input.childKey ?? null,
      schedule_id: input.scheduleId ?? null,
    })
    .returning('execution_id')
    .executeTakeFirstOrThrow();
  // As SSISDB does, every declared parameter with a default gets its value now; given values replace them.
  for (const declaration of declared) {
    if (declaration.defaultValue !== undefined) await storeParameter(ctx, trx, executionId, declaration, declaration.defaultValue);
  }
  for (const { declaration, value } of given) await storeParameter(ctx, trx, executionId, declaration, value);
  for (const workerAgentId of allowed) {
    await trx.insertInto('execution_workers').values({ execution_id: executionId, worker_agent_id: workerAgentId }).execute();
  }
  const tags = new Map((input.requiredTags ?? []).map((tag) => [tag.toLowerCase(), tag]));
  if (tags.size > 0) {
    await trx
      .insertInto('execution_required_tags')
      .values([...tags.values()].map((tag) => ({ execution_id: executionId, tag })))
      .execute();
  }
  if (input.start) await startInTransaction(ctx, trx, executionId, retryCount);
  return { executionId, created: true };
}

