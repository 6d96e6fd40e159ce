import type { ExpressionBuilder } from 'kysely';
import type { Catalog, ExecutionFilter, ScaleOutState, WrittenExecution } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import { ExecutionStatus, type Execution } from '../../domain.js';
import type { CatalogTrx } from '../../engine.js';
import type { CatalogTables } from '../../schema.js';
import { NotFoundError } from '../../errors.js';
import { findDeclaredParameter } from '../../parameters.js';
import { num, selectAttempts, toExecutionStatus, toTask } from '../../rows.js';
import { listChildren, loadExecution, lockExecution, requireCreated, selectSummaries, toSummary } from './execution-rows.js';
import { rememberIdempotencyKey } from '../idempotency-keys.js';
import { readScaleOutState } from '../worker-rows.js';
import { stopInTransaction } from './stop-execution.js';
import { insertExecution, requireWorker, startInTransaction, storeParameter, validRetryCount } from './write-execution.js';

/**
 * What a create's or start's answer shows, read in its transaction (see WrittenExecution), unless the write read
 * the Scale Out state already (`scaleOut`).
 */
async function writtenExecution(trx: CatalogTrx, execution: Execution, scaleOut?: ScaleOutState): Promise<WrittenExecution> {
  return {
    execution,
    scaleOut: scaleOut ?? (execution.status === ExecutionStatus.pending ? await readScaleOutState(trx) : null),
    children: execution.childCount === 0 ? [] : await listChildren(trx, execution.executionId),
  };
}

/** The SSISDB execution procedures and views: create, set values, add workers, start, stop, read. */
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
  | 'getTask'
  | 'countExecutionsByStatus'
  | 'listExecutionEndTimes'
> {
  return {
    createExecution: (input, actor, guard) =>
      ctx.engine.transaction(async (trx) => {
        const { execution, scaleOut } = await insertExecution(ctx, trx, input, actor, guard?.answer !== undefined);
        await rememberIdempotencyKey(ctx, trx, guard, { executionId: execution.executionId }, () => writtenExecution(trx, execution, scaleOut));
        return execution;
      }),

    setExecutionParameterValue: (executionId, name, value) =>
      ctx.engine.transaction(async (trx) => {
        const execution = await lockExecution(trx, executionId);
        requireCreated(executionId, execution.status, 'set a parameter value of');
        await storeParameter(ctx, trx, executionId, findDeclaredParameter(execution.declared, name, execution.packageName), value);
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

    startExecution: (executionId, options, guard) =>
      ctx.engine.transaction(async (trx) => {
        await startInTransaction(ctx, trx, executionId, validRetryCount(options?.retryCount));
        const execution = await loadExecution(trx, executionId);
        await rememberIdempotencyKey(ctx, trx, guard, { executionId }, () => writtenExecution(trx, execution));
        return execution;
      }),

    stopOperation: (executionId, actor) =>
      ctx.engine.transaction(async (trx) => {
        await stopInTransaction(ctx, trx, executionId, actor);
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
        const { projects } = filter;
        if (projects !== undefined) {
          if (projects.length === 0) return { items: [], nextOffset: null };
          query = query.where(ofProjects(projects));
        }
        const rows = await query.limit(page.limit + 1).offset(page.offset).execute();
        return {
          items: rows.slice(0, page.limit).map(toSummary),
          nextOffset: rows.length > page.limit ? page.offset + page.limit : null,
        };
      }),

    getTask: (taskId) =>
      ctx.engine.read(async (db) => {
        const row = await selectAttempts(db).where('t.task_id', '=', taskId).executeTakeFirst();
        if (!row) throw new NotFoundError('task', taskId);
        return toTask(row);
      }),

    countExecutionsByStatus: (since, projects) =>
      ctx.engine.read(async (db) => {
        if (projects?.length === 0) return {};
        let query = db
          .selectFrom('executions as e')
          .select((eb) => ['e.status', eb.fn.countAll<number>().as('n')])
          .where('e.created_time', '>=', since)
          .groupBy('e.status');
        if (projects) query = query.where(ofProjects(projects));
        const rows = await query.execute();
        return Object.fromEntries(rows.map((row) => [row.status, num(row.n)]));
      }),

    listExecutionEndTimes: (since, projects) =>
      ctx.engine.read(async (db) => {
        if (projects?.length === 0) return [];
        let query = db.selectFrom('executions as e').select(['e.end_time', 'e.status']).where('e.end_time', '>=', since).orderBy('e.end_time');
        if (projects) query = query.where(ofProjects(projects));
        const rows = await query.execute();
        return rows.map((row) => ({ endTime: num(row.end_time ?? 0), status: toExecutionStatus(row.status) }));
      }),
  };
}

/** Executions (as `e`) of these projects only: those a caller may read. */
function ofProjects(projects: NonNullable<ExecutionFilter['projects']>) {
  return (eb: ExpressionBuilder<CatalogTables & { e: CatalogTables['executions'] }, 'e'>) =>
    eb.or(projects.map((p) => eb.and([eb('e.folder_name', '=', p.folderName), eb('e.project_name', '=', p.projectName)])));
}
