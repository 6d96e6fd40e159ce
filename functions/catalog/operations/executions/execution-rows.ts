import type { Selectable } from 'kysely';
import {
  ExecutionStatus,
  type DeclaredParameter,
  type Execution,
  type ExecutionParameterValue,
  type ExecutionSummary,
  type ParameterValue,
  type Task,
} from '../../domain.js';
import type { CatalogDb, CatalogTrx } from '../../engine.js';
import { IllegalStateError, NotFoundError } from '../../errors.js';
import { flag, num, numOrNull, selectAttempts, toExecutionStatus, toTask } from '../../rows.js';
import type { ExecutionParameterValuesTable, ExecutionsTable } from '../../schema.js';

type SummaryRow = Selectable<ExecutionsTable> & {
  attempt_count: number | string | null;
  last_worker_agent_id: string | null;
  last_worker_name: string | null;
};

/** Executions with their attempt count and the worker of their latest attempt. */
export function selectSummaries(db: CatalogDb | CatalogTrx) {
  return db
    .selectFrom('executions as e')
    .selectAll('e')
    .select((eb) => {
      const latestAttempt = () =>
        eb
          .selectFrom('tasks as t')
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
          );
      return [
        eb
          .selectFrom('tasks as t')
          .select((inner) => inner.fn.countAll<number>().as('n'))
          .whereRef('t.execution_id', '=', 'e.execution_id')
          .as('attempt_count'),
        latestAttempt().select('t.worker_agent_id').as('last_worker_agent_id'),
        latestAttempt()
          .leftJoin('worker_agents as w', 'w.worker_agent_id', 't.worker_agent_id')
          .select((inner) => inner.fn.coalesce('w.display_name', 't.worker_display_name').as('n'))
          .as('last_worker_name'),
      ];
    });
}

/** An execution's newest 500 direct children, oldest first, as its view shows them (a parent fans out to tens). */
export async function listChildren(db: CatalogDb | CatalogTrx, executionId: number): Promise<ExecutionSummary[]> {
  const rows = await selectSummaries(db).where('e.parent_execution_id', '=', executionId).orderBy('e.execution_id', 'desc').limit(500).execute();
  return rows.map(toSummary).reverse();
}

export function toSummary(row: SummaryRow): ExecutionSummary {
  return summaryOf(row, num(row.attempt_count ?? 0), row.last_worker_agent_id, row.last_worker_name);
}

function summaryOf(
  row: Selectable<ExecutionsTable>,
  attemptCount: number,
  workerAgentId: string | null,
  workerDisplayName: string | null,
): ExecutionSummary {
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
    childKey: row.child_key,
    scheduleId: row.schedule_id,
    attemptCount,
    workerAgentId,
    workerDisplayName,
  };
}

/** What belongs to an execution besides its row. */
export interface ExecutionParts {
  /** Oldest attempt first. */
  attempts: Task[];
  parameters: ExecutionParameterValue[];
  allowedWorkerIds: string[];
  requiredTags: string[];
  childCount: number;
}

/**
 * An execution from its row and parts, as just read or as just written. The lists are sorted here, not by the
 * engine: SQL Server's collation ignores case where SQLite's does not, and an answer built from what a transaction
 * wrote must read the same as the execution read back.
 */
export function toExecution(row: Selectable<ExecutionsTable>, parts: ExecutionParts): Execution {
  return {
    ...summaryOf(row, parts.attempts.length, parts.attempts.at(-1)?.workerAgentId ?? null, parts.attempts.at(-1)?.workerDisplayName ?? null),
    allowedWorkerIds: [...parts.allowedWorkerIds].sort(byText),
    requiredTags: [...parts.requiredTags].sort(byText),
    parameters: [...parts.parameters].sort((a, b) => byText(a.name, b.name)),
    attempts: parts.attempts,
    childCount: parts.childCount,
  };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function toParameterValue(row: Pick<Selectable<ExecutionParameterValuesTable>, 'parameter_name' | 'parameter_value' | 'sensitive'>): ExecutionParameterValue {
  return {
    name: row.parameter_name,
    sensitive: flag(row.sensitive),
    value: row.parameter_value === null ? null : (JSON.parse(row.parameter_value) as ParameterValue),
  };
}

export async function loadExecution(db: CatalogDb | CatalogTrx, executionId: number): Promise<Execution> {
  const row = await db
    .selectFrom('executions as e')
    .selectAll('e')
    .select((eb) =>
      eb
        .selectFrom('executions as c')
        .select((inner) => inner.fn.countAll<number>().as('n'))
        .whereRef('c.parent_execution_id', '=', 'e.execution_id')
        .as('child_count'),
    )
    .where('e.execution_id', '=', executionId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('execution', executionId);
  // One query after another: a SQL Server connection inside a transaction takes one request at a time.
  const attempts = await selectAttempts(db).where('t.execution_id', '=', executionId).orderBy('t.attempt_number').execute();
  const parameters = await db
    .selectFrom('execution_parameter_values')
    .select(['parameter_name', 'parameter_value', 'sensitive'])
    .where('execution_id', '=', executionId)
    .execute();
  const workers = await db.selectFrom('execution_workers').select('worker_agent_id').where('execution_id', '=', executionId).execute();
  const tags = await db.selectFrom('execution_required_tags').select('tag').where('execution_id', '=', executionId).execute();
  return toExecution(row, {
    attempts: attempts.map(toTask),
    parameters: parameters.map(toParameterValue),
    allowedWorkerIds: workers.map((w) => w.worker_agent_id),
    requiredTags: tags.map((t) => t.tag),
    childCount: num(row.child_count ?? 0),
  });
}

/** What a write to an execution needs to know about it first. */
export async function lockExecution(trx: CatalogTrx, executionId: number) {
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

export function requireCreated(executionId: number, status: ExecutionStatus, operation: string): void {
  if (status !== ExecutionStatus.created) {
    throw new IllegalStateError('execution', executionId, `in status ${status}, not created (1)`, operation);
  }
}
