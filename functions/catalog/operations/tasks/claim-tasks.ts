import type { Catalog } from '../../catalog.js';
import type { CatalogContext } from '../../context.js';
import type { CatalogTrx, ClaimedTaskRow } from '../../engine.js';
import { ExecutionStatus, type ClaimedTask, type ParameterValue, type PackageRunner } from '../../domain.js';
import { flag, num } from '../../rows.js';

/**
 * claimTasks: the engine's single claim statement leases the tasks; in the same transaction their executions
 * become running and their payloads are read, with their parameter values in the same statement, sensitive values
 * decrypted for this worker only. An empty claim without a claim id is that one statement and nothing else.
 *
 * A claim id already on running tasks of this worker means the worker retries a claim whose answer was lost: the
 * same tasks are answered again, in the same transaction as the lookup, so a retry after a commit whose outcome
 * the master never learnt is safe too.
 */
export function claimTasksOperation(ctx: CatalogContext): Pick<Catalog, 'claimTasks'> {
  return {
    async claimTasks(workerAgentId, slots, claimId) {
      if (!Number.isInteger(slots) || slots < 1) return [];
      return ctx.engine.transaction(async (trx) => {
        const now = ctx.clock.now();
        const leaseDeadline = now + ctx.leaseMs;
        const replayed = claimId === undefined ? [] : await leasedByClaim(trx, workerAgentId, claimId, leaseDeadline, now);
        const claimed =
          replayed.length > 0
            ? replayed
            : await ctx.engine.claimTasks(trx, { workerAgentId, slots, claimId: claimId ?? null, now, leaseDeadline });
        if (claimed.length === 0) return [];
        const taskIds = claimed.map((row) => row.task_id);
        const executionIds = [...new Set(claimed.map((row) => row.execution_id))];

        await trx
          .updateTable('executions')
          .set((eb) => ({
            status: ExecutionStatus.running,
            start_time: eb.fn.coalesce('start_time', eb.val(now)).$castTo<number>(),
            status_message: null,
          }))
          .where('execution_id', 'in', executionIds)
          .where('status', '=', ExecutionStatus.pending)
          .execute();

        // One row per task and parameter value (one with null values for a task whose execution has none).
        const rows = await trx
          .selectFrom('tasks as t')
          .innerJoin('executions as e', 'e.execution_id', 't.execution_id')
          .innerJoin('packages as p', 'p.package_id', 'e.package_id')
          .innerJoin('project_versions as v', 'v.project_version_id', 'e.project_version_id')
          .leftJoin('execution_parameter_values as pv', 'pv.execution_id', 't.execution_id')
          .select([
            't.task_id',
            't.attempt_number',
            't.execution_id',
            'e.folder_name',
            'e.project_name',
            'e.package_name',
            'e.project_version_id',
            'e.timeout_ms',
            'v.archive_sha256',
            'v.archive_size',
            'p.runner',
            'p.entry',
            'p.arguments',
            'pv.parameter_name',
            'pv.parameter_value',
            'pv.sensitive',
            'pv.sensitive_value',
          ])
          .where('t.task_id', 'in', taskIds)
          .orderBy('t.task_id')
          .execute();
        const payloads = new Map<number, { row: (typeof rows)[number]; parameters: Record<string, ParameterValue>; sensitive: string[] }>();
        for (const row of rows) {
          let payload = payloads.get(row.task_id);
          if (!payload) payloads.set(row.task_id, (payload = { row, parameters: {}, sensitive: [] }));
          if (row.parameter_name === null) continue;
          const sensitive = flag(row.sensitive ?? 0);
          const json = sensitive ? ctx.cipher.decrypt(row.sensitive_value ?? '') : row.parameter_value;
          payload.parameters[row.parameter_name] = JSON.parse(json ?? 'null') as ParameterValue;
          if (sensitive) payload.sensitive.push(row.parameter_name);
        }

        return [...payloads.values()].map(({ row, parameters, sensitive: sensitiveParameterNames }): ClaimedTask => {
          return {
            taskId: row.task_id,
            attemptNumber: row.attempt_number,
            executionId: row.execution_id,
            leaseDeadline,
            folderName: row.folder_name,
            projectName: row.project_name,
            packageName: row.package_name,
            projectVersionId: row.project_version_id,
            archiveSha256: row.archive_sha256,
            archiveSize: num(row.archive_size),
            runner: row.runner as PackageRunner,
            entry: row.entry,
            arguments: JSON.parse(row.arguments) as string[],
            parameters,
            sensitiveParameterNames,
            timeoutMs: row.timeout_ms,
          };
        });
      });
    },
  };
}

/** The tasks a claim id already leased to this worker and that it still holds, their leases renewed. */
async function leasedByClaim(
  trx: CatalogTrx,
  workerAgentId: string,
  claimId: string,
  leaseDeadline: number,
  now: number,
): Promise<ClaimedTaskRow[]> {
  const rows = await trx
    .selectFrom('tasks')
    .select(['task_id', 'execution_id', 'attempt_number'])
    .where('worker_agent_id', '=', workerAgentId)
    .where('state', '=', 'running')
    .where('claim_id', '=', claimId)
    .execute();
  if (rows.length === 0) return [];
  await trx
    .updateTable('tasks')
    .set({ lease_deadline: leaseDeadline, last_heartbeat_time: now })
    .where('task_id', 'in', rows.map((row) => row.task_id))
    .where('state', '=', 'running')
    .execute();
  return rows;
}
