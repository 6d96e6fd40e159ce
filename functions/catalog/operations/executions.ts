import type { Selectable } from 'kysely';
import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import {
  ExecutionStatus,
  isFinalStatus,
  type DeclaredParameter,
  type Execution,
  type ExecutionSummary,
  type ParameterValue,
} from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { IllegalStateError, NotFoundError, ValidationError } from '../errors.js';
import { coerceParameterValue, findDeclaredParameter } from '../parameters.js';
import { flag, num, numOrNull, toExecutionStatus, toTask } from '../rows.js';
import type { ExecutionsTable } from '../schema.js';
import { audit } from './audit.js';

type SummaryRow = Selectable<ExecutionsTable> & {
  attempt_count: number | string | null;
  last_worker_agent_id: string | null;
};

function selectSummaries(db: CatalogDb | CatalogTrx) {
  return db
    .selectFrom('executions as e')
    .selectAll('e')
    .select((eb) => [
      eb
        .selectFrom('tasks as t')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .whereRef('t.execution_id', '=', 'e.execution_id')
        .as('attempt_count'),
      eb
        .selectFrom('tasks as t')
        .select('t.worker_agent_id')
        .whereRef('t.execution_id', '=', 'e.execution_id')
        .where((inner) =>
          inner(
            't.attempt_number',
            '=',
            inner
              .selectFrom('tasks as latest')
              .select((max) => max.fn.max('latest.attempt_number').as('m'))
              .whereRef('latest.execution_id', '=', 'e.execution_id'),
          ),
        )
        .as('last_worker_agent_id'),
    ]);
}

function toSummary(row: SummaryRow): ExecutionSummary {
  return {
    executionId: row.execution_id,
    folderName: row.folder_name,
    projectName: row.project_name,
    packageName: row.package_name,
    projectVersionId: row.project_version_id,
    status: toExecutionStatus(row.status),
    runInScaleOut: flag(row.run_in_scaleout),
    useAnyWorker: flag(row.use_any_worker),
    retryCount: row.retry_count,
    timeoutMs: row.timeout_ms,
    createdBy: row.created_by,
    createdTime: num(row.created_time),
    startTime: numOrNull(row.start_time),
    endTime: numOrNull(row.end_time),
    statusMessage: row.status_message,
    parentExecutionId: row.parent_execution_id,
    attemptCount: num(row.attempt_count ?? 0),
    workerAgentId: row.last_worker_agent_id,
  };
}

async function loadExecution(db: CatalogDb | CatalogTrx, executionId: number): Promise<Execution> {
  const row = await selectSummaries(db).where('e.execution_id', '=', executionId).executeTakeFirst();
  if (!row) throw new NotFoundError('execution', executionId);
  // One query after another: a SQL Server connection inside a transaction takes one request at a time.
  const parameters = await db
    .selectFrom('execution_parameter_values')
    .select(['parameter_name', 'parameter_value', 'sensitive'])
    .where('execution_id', '=', executionId)
    .orderBy('parameter_name')
    .execute();
  const workers = await db
    .selectFrom('execution_workers')
    .select('worker_agent_id')
    .where('execution_id', '=', executionId)
    .orderBy('worker_agent_id')
    .execute();
  const tags = await db
    .selectFrom('execution_required_tags')
    .select('tag')
    .where('execution_id', '=', executionId)
    .orderBy('tag')
    .execute();
  return {
    ...toSummary(row),
    allowedWorkerIds: workers.map((w) => w.worker_agent_id),
    requiredTags: tags.map((t) => t.tag),
    parameters: parameters.map((p) => ({
      name: p.parameter_name,
      sensitive: flag(p.sensitive),
      value: p.parameter_value === null ? null : (JSON.parse(p.parameter_value) as ParameterValue),
    })),
  };
}

async function lockExecution(trx: CatalogTrx, executionId: number) {
  const row = await trx
    .selectFrom('executions as e')
    .innerJoin('packages as p', 'p.package_id', 'e.package_id')
    .select(['e.status', 'e.use_any_worker', 'p.parameters', 'p.name as package_name'])
    .where('e.execution_id', '=', executionId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('execution', executionId);
  return {
    status: toExecutionStatus(row.status),
    useAnyWorker: flag(row.use_any_worker),
    declared: JSON.parse(row.parameters) as DeclaredParameter[],
    packageName: row.package_name,
  };
}

function requireCreated(executionId: number, status: ExecutionStatus, operation: string): void {
  if (status !== ExecutionStatus.created) {
    throw new IllegalStateError('execution', executionId, `in status ${status}, not created (1)`, operation);
  }
}

export function executionOperations(
  ctx: CatalogContext,
): Pick<
  Catalog,
  | 'createExecution'
  | 'setExecutionParameterValue'
  | 'addExecutionWorker'
  | 'startExecution'
  | 'stopOperation'
  | 'getExecution'
  | 'listExecutions'
  | 'listTasks'
  | 'getTask'
  | 'countExecutionsByStatus'
  | 'listExecutionEndTimes'
> {
  const storeParameter = async (
    trx: CatalogTrx,
    executionId: number,
    declared: DeclaredParameter,
    value: ParameterValue,
  ): Promise<void> => {
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
  };

  const requireWorker = async (trx: CatalogTrx, workerAgentId: string, field: string): Promise<void> => {
    const worker = await trx
      .selectFrom('worker_agents')
      .select('worker_agent_id')
      .where('worker_agent_id', '=', workerAgentId)
      .executeTakeFirst();
    if (!worker) throw new ValidationError(field, `worker agent '${workerAgentId}' does not exist`);
  };

  /** start_execution: checks what must hold before a worker may take it, then queues attempt 1. */
  const start = async (trx: CatalogTrx, executionId: number, retryCount: number): Promise<void> => {
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
    const now = ctx.clock.now();
    await trx
      .updateTable('executions')
      .set({ status: ExecutionStatus.pending, retry_count: retryCount, status_message: null })
      .where('execution_id', '=', executionId)
      .execute();
    await trx
      .insertInto('tasks')
      .values({ execution_id: executionId, attempt_number: 1, state: 'pending', created_time: now, cancel_requested: 0 })
      .execute();
  };

  const validRetryCount = (retryCount: number | undefined): number => {
    const value = retryCount ?? 0;
    if (!Number.isInteger(value) || value < 0) throw new ValidationError('retryCount', 'must be a whole number ≥ 0');
    return value;
  };

  return {
    async createExecution(input, actor) {
      if (input.runInScaleOut === false) {
        throw new ValidationError('runInScaleOut', 'this master runs executions in Scale Out only');
      }
      const retryCount = input.start ? validRetryCount(input.start.retryCount) : 0;
      const allowed = [...new Set(input.allowedWorkerIds ?? [])];
      const useAnyWorker = input.useAnyWorker ?? allowed.length === 0;
      return ctx.engine.transaction(async (trx) => {
        let versionQuery = trx
          .selectFrom('project_versions as v')
          .innerJoin('projects as p', 'p.project_id', 'v.project_id')
          .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
          .select(['v.project_version_id', 'v.version_number', 'f.name as folder_name', 'p.name as project_name'])
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
        if (!pkg) {
          throw new NotFoundError('package', `${input.folderName}/${input.projectName}/${input.packageName}`);
        }
        if (input.parentExecutionId !== undefined) {
          const parent = await trx
            .selectFrom('executions')
            .select('execution_id')
            .where('execution_id', '=', input.parentExecutionId)
            .executeTakeFirst();
          if (!parent) throw new ValidationError('parentExecutionId', `execution ${input.parentExecutionId} does not exist`);
        }
        const declared = JSON.parse(pkg.parameters) as DeclaredParameter[];
        // Check every given value before writing anything.
        const given = Object.entries(input.parameters ?? {}).map(([name, value]) => {
          const declaration = findDeclaredParameter(declared, name, pkg.name);
          return { declaration, value: coerceParameterValue(declaration, value) };
        });

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
          })
          .returning('execution_id')
          .executeTakeFirstOrThrow();
        // As SSISDB does, every declared parameter with a default gets its value now; given values replace them.
        for (const declaration of declared) {
          if (declaration.defaultValue !== undefined) {
            await storeParameter(trx, executionId, declaration, declaration.defaultValue);
          }
        }
        for (const { declaration, value } of given) await storeParameter(trx, executionId, declaration, value);
        for (const [index, workerAgentId] of allowed.entries()) {
          await requireWorker(trx, workerAgentId, `allowedWorkerIds[${index}]`);
          await trx.insertInto('execution_workers').values({ execution_id: executionId, worker_agent_id: workerAgentId }).execute();
        }
        const tags = new Map((input.requiredTags ?? []).map((tag) => [tag.toLowerCase(), tag]));
        if (tags.size > 0) {
          await trx
            .insertInto('execution_required_tags')
            .values([...tags.values()].map((tag) => ({ execution_id: executionId, tag })))
            .execute();
        }
        if (input.start) await start(trx, executionId, retryCount);
        return loadExecution(trx, executionId);
      });
    },

    setExecutionParameterValue: (executionId, name, value) =>
      ctx.engine.transaction(async (trx) => {
        const execution = await lockExecution(trx, executionId);
        requireCreated(executionId, execution.status, 'set a parameter value of');
        await storeParameter(trx, executionId, findDeclaredParameter(execution.declared, name, execution.packageName), value);
        return loadExecution(trx, executionId);
      }),

    addExecutionWorker: (executionId, workerAgentId) =>
      ctx.engine.transaction(async (trx) => {
        const execution = await lockExecution(trx, executionId);
        requireCreated(executionId, execution.status, 'add a worker to');
        await requireWorker(trx, workerAgentId, 'workerAgentId');
        const existing = await trx
          .selectFrom('execution_workers')
          .select('worker_agent_id')
          .where('execution_id', '=', executionId)
          .where('worker_agent_id', '=', workerAgentId)
          .executeTakeFirst();
        if (!existing) {
          await trx.insertInto('execution_workers').values({ execution_id: executionId, worker_agent_id: workerAgentId }).execute();
        }
        // SSISDB: adding a worker means the execution runs only on the workers added.
        await trx.updateTable('executions').set({ use_any_worker: 0 }).where('execution_id', '=', executionId).execute();
        return loadExecution(trx, executionId);
      }),

    startExecution: (executionId, options) =>
      ctx.engine.transaction(async (trx) => {
        await start(trx, executionId, validRetryCount(options?.retryCount));
        return loadExecution(trx, executionId);
      }),

    stopOperation: (executionId, actor) =>
      ctx.engine.transaction(async (trx) => {
        const { status } = await lockExecution(trx, executionId);
        const now = ctx.clock.now();
        if (status === ExecutionStatus.created || status === ExecutionStatus.pending) {
          await trx
            .updateTable('tasks')
            .set({ state: 'canceled', end_time: now, result_message: `stopped by ${actor} before a worker took it` })
            .where('execution_id', '=', executionId)
            .where('state', '=', 'pending')
            .execute();
          await trx
            .updateTable('executions')
            .set({ status: ExecutionStatus.canceled, end_time: now, status_message: `stopped by ${actor}` })
            .where('execution_id', '=', executionId)
            .execute();
        } else if (status === ExecutionStatus.running) {
          // The worker learns of it from its next heartbeat, kills the package and reports `canceled`; if it
          // never does, the lease sweep ends the execution as canceled.
          await trx
            .updateTable('tasks')
            .set({ cancel_requested: 1 })
            .where('execution_id', '=', executionId)
            .where('state', '=', 'running')
            .execute();
          await trx
            .updateTable('executions')
            .set({ status: ExecutionStatus.stopping, status_message: `stop requested by ${actor}` })
            .where('execution_id', '=', executionId)
            .execute();
        } else if (isFinalStatus(status)) {
          throw new IllegalStateError('execution', executionId, `already ended (status ${status})`, 'stop');
        }
        await audit(ctx, trx, { actor, action: 'stop-operation', targetType: 'execution', targetId: executionId });
        return loadExecution(trx, executionId);
      }),

    getExecution: (executionId) => ctx.engine.read((db) => loadExecution(db, executionId)),

    listExecutions: (filter, page) =>
      ctx.engine.read(async (db) => {
        let query = selectSummaries(db).orderBy('e.execution_id', 'desc');
        if (filter.status && filter.status.length > 0) query = query.where('e.status', 'in', filter.status);
        if (filter.folderName !== undefined) query = query.where('e.folder_name', '=', filter.folderName);
        if (filter.projectName !== undefined) query = query.where('e.project_name', '=', filter.projectName);
        if (filter.packageName !== undefined) query = query.where('e.package_name', '=', filter.packageName);
        if (filter.createdSince !== undefined) query = query.where('e.created_time', '>=', filter.createdSince);
        if (filter.parentExecutionId !== undefined) {
          query = query.where('e.parent_execution_id', '=', filter.parentExecutionId);
        }
        const rows = await query.limit(page.limit + 1).offset(page.offset).execute();
        return {
          items: rows.slice(0, page.limit).map(toSummary),
          nextOffset: rows.length > page.limit ? page.offset + page.limit : null,
        };
      }),

    listTasks: (executionId) =>
      ctx.engine.read(async (db) => {
        const rows = await db
          .selectFrom('tasks')
          .selectAll()
          .where('execution_id', '=', executionId)
          .orderBy('attempt_number')
          .execute();
        if (rows.length === 0) {
          const exists = await db
            .selectFrom('executions')
            .select('execution_id')
            .where('execution_id', '=', executionId)
            .executeTakeFirst();
          if (!exists) throw new NotFoundError('execution', executionId);
        }
        return rows.map(toTask);
      }),

    getTask: (taskId) =>
      ctx.engine.read(async (db) => {
        const row = await db.selectFrom('tasks').selectAll().where('task_id', '=', taskId).executeTakeFirst();
        if (!row) throw new NotFoundError('task', taskId);
        return toTask(row);
      }),

    countExecutionsByStatus: (since) =>
      ctx.engine.read(async (db) => {
        const rows = await db
          .selectFrom('executions')
          .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
          .where('created_time', '>=', since)
          .groupBy('status')
          .execute();
        return Object.fromEntries(rows.map((row) => [row.status, num(row.n)]));
      }),

    listExecutionEndTimes: (since) =>
      ctx.engine.read(async (db) => {
        const rows = await db
          .selectFrom('executions')
          .select(['end_time', 'status'])
          .where('end_time', '>=', since)
          .orderBy('end_time')
          .execute();
        return rows.map((row) => ({ endTime: num(row.end_time ?? 0), status: toExecutionStatus(row.status) }));
      }),
  };
}
