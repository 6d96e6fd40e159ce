import type { Selectable } from 'kysely';
import type { Catalog, FiredSchedule } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { DeclaredParameter, Execution, MisfirePolicy, ParameterValue, Schedule } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { CatalogError, ConflictError, NotFoundError } from '../errors.js';
import { coerceParameterValue, findDeclaredParameter, requireParameterValues } from '../parameters.js';
import { flag, num, numOrNull } from '../rows.js';
import { checkSchedule, nextRunTime } from '../schedule-times.js';
import type { SchedulesTable } from '../schema.js';
import { audit } from './audit.js';
import { rememberIdempotencyKey } from './idempotency-keys.js';
import { clipMessage } from './tasks/complete-task.js';
import { resolveConfiguredValues } from './executions/configured-parameters.js';
import { insertExecution } from './executions/write-execution.js';

/** A slot run within this long of its due time is on time; later, the misfire policy decides. */
export const misfireGraceMs = 60_000;

function toSchedule(row: Selectable<SchedulesTable>, sensitiveParameterNames: string[]): Schedule {
  return {
    scheduleId: row.schedule_id,
    name: row.name,
    folderName: row.folder_name,
    projectName: row.project_name,
    packageName: row.package_name,
    parameters: JSON.parse(row.parameters) as Record<string, ParameterValue>,
    sensitiveParameterNames,
    workerAgentIds: JSON.parse(row.worker_agent_ids) as string[],
    requiredTags: JSON.parse(row.required_tags) as string[],
    retryCount: row.retry_count,
    timeoutMs: row.timeout_ms,
    referenceId: row.reference_id,
    cronExpression: row.cron_expression,
    timeZone: row.time_zone,
    misfirePolicy: row.misfire_policy as MisfirePolicy,
    isEnabled: flag(row.is_enabled),
    nextRunTime: numOrNull(row.next_run_time),
    lastRunTime: numOrNull(row.last_run_time),
    lastExecutionId: row.last_execution_id,
    lastError: row.last_error,
    createdBy: row.created_by,
    createdTime: num(row.created_time),
  };
}

export function scheduleOperations(
  ctx: CatalogContext,
): Pick<
  Catalog,
  | 'createSchedule'
  | 'listSchedules'
  | 'getSchedule'
  | 'setScheduleEnabled'
  | 'removeSchedule'
  | 'runScheduleNow'
  | 'fireDueSchedules'
  | 'nextScheduledRunTime'
> {
  const load = async (db: CatalogDb | CatalogTrx, scheduleId: number): Promise<Schedule> => {
    const row = await db.selectFrom('schedules').selectAll().where('schedule_id', '=', scheduleId).executeTakeFirst();
    if (!row) throw new NotFoundError('schedule', scheduleId);
    return withSensitiveNames(row);
  };

  const sensitiveValues = (row: Selectable<SchedulesTable>): Record<string, ParameterValue> =>
    row.sensitive_parameters ? (JSON.parse(ctx.cipher.decrypt(row.sensitive_parameters)) as Record<string, ParameterValue>) : {};

  const withSensitiveNames = (row: Selectable<SchedulesTable>): Schedule => toSchedule(row, Object.keys(sensitiveValues(row)));

  /** Starts the schedule's execution in the caller's transaction: its values, placement and retries. */
  const startRun = async (trx: CatalogTrx, row: Selectable<SchedulesTable>, actor: string): Promise<Execution> => {
    const sensitive = sensitiveValues(row);
    const { execution } = await insertExecution(
      ctx,
      trx,
      {
        folderName: row.folder_name,
        projectName: row.project_name,
        packageName: row.package_name,
        parameters: { ...(JSON.parse(row.parameters) as Record<string, ParameterValue>), ...sensitive },
        allowedWorkerIds: JSON.parse(row.worker_agent_ids) as string[],
        requiredTags: JSON.parse(row.required_tags) as string[],
        timeoutMs: row.timeout_ms ?? undefined,
        referenceId: row.reference_id ?? undefined,
        scheduleId: row.schedule_id,
        start: { retryCount: row.retry_count },
      },
      actor,
    );
    return execution;
  };

  return {
    async createSchedule(input, actor, guard) {
      const timeZone = input.timeZone ?? 'UTC';
      checkSchedule(input.cronExpression, timeZone);
      return ctx.engine.transaction(async (trx) => {
        const clash = await trx.selectFrom('schedules').select('schedule_id').where('name', '=', input.name).executeTakeFirst();
        if (clash) throw new ConflictError('name', `a schedule named '${input.name}' already exists`);
        // Check the package and the values now, as create_execution would, so a bad schedule fails here, not at 2 am.
        const pkg = await trx
          .selectFrom('packages as p')
          .innerJoin('project_versions as v', 'v.project_version_id', 'p.project_version_id')
          .innerJoin('projects as pr', 'pr.project_id', 'v.project_id')
          .innerJoin('folders as f', 'f.folder_id', 'pr.folder_id')
          .select(['p.parameters', 'p.name', 'pr.project_id'])
          .where('f.name', '=', input.folderName)
          .where('pr.name', '=', input.projectName)
          .where('p.name', '=', input.packageName)
          .whereRef('v.version_number', '=', 'pr.current_version_number')
          .executeTakeFirst();
        if (!pkg) throw new NotFoundError('package', `${input.folderName}/${input.projectName}/${input.packageName}`);
        const declared = JSON.parse(pkg.parameters) as DeclaredParameter[];
        const plain: Record<string, ParameterValue> = {};
        const sensitive: Record<string, ParameterValue> = {};
        for (const [name, value] of Object.entries(input.parameters ?? {})) {
          const declaration = findDeclaredParameter(declared, name, pkg.name);
          (declaration.sensitive ? sensitive : plain)[declaration.name] = coerceParameterValue(declaration, value);
        }
        const given = (name: string) => plain[name] !== undefined || sensitive[name] !== undefined;
        const configured = await resolveConfiguredValues(
          ctx,
          trx,
          { projectId: pkg.project_id, folderName: input.folderName, projectName: input.projectName, packageName: pkg.name, declared, configured: true },
          input.referenceId,
          given,
        );
        requireParameterValues(declared, (name) => given(name) || configured.has(name), pkg.name);
        const enabled = input.enabled ?? true;
        const now = ctx.clock.now();
        const { schedule_id: scheduleId } = await trx
          .insertInto('schedules')
          .values({
            name: input.name,
            folder_name: input.folderName,
            project_name: input.projectName,
            package_name: input.packageName,
            parameters: JSON.stringify(plain),
            sensitive_parameters: Object.keys(sensitive).length > 0 ? ctx.cipher.encrypt(JSON.stringify(sensitive)) : null,
            worker_agent_ids: JSON.stringify(input.workerAgentIds ?? []),
            required_tags: JSON.stringify(input.requiredTags ?? []),
            retry_count: input.retryCount ?? 0,
            timeout_ms: input.timeoutMs ?? null,
            reference_id: input.referenceId ?? null,
            cron_expression: input.cronExpression.trim(),
            time_zone: timeZone,
            misfire_policy: input.misfirePolicy ?? 'run-once',
            is_enabled: enabled ? 1 : 0,
            next_run_time: enabled ? nextRunTime(input.cronExpression, timeZone, now) : null,
            created_by: actor,
            created_time: now,
          })
          .returning('schedule_id')
          .executeTakeFirstOrThrow();
        await audit(ctx, trx, { actor, action: 'create-schedule', targetType: 'schedule', targetId: scheduleId, details: { name: input.name } });
        const schedule = await load(trx, scheduleId);
        await rememberIdempotencyKey(ctx, trx, guard, { scheduleId }, () => schedule);
        return schedule;
      });
    },

    listSchedules: () =>
      ctx.engine.read(async (db) => (await db.selectFrom('schedules').selectAll().orderBy('name').execute()).map(withSensitiveNames)),

    getSchedule: (scheduleId) => ctx.engine.read((db) => load(db, scheduleId)),

    setScheduleEnabled: (scheduleId, enabled, actor) =>
      ctx.engine.transaction(async (trx) => {
        const schedule = await load(trx, scheduleId);
        await trx
          .updateTable('schedules')
          .set({
            is_enabled: enabled ? 1 : 0,
            next_run_time: enabled ? nextRunTime(schedule.cronExpression, schedule.timeZone, ctx.clock.now()) : null,
          })
          .where('schedule_id', '=', scheduleId)
          .execute();
        await audit(ctx, trx, { actor, action: enabled ? 'enable-schedule' : 'disable-schedule', targetType: 'schedule', targetId: scheduleId });
        return load(trx, scheduleId);
      }),

    removeSchedule: (scheduleId, actor) =>
      ctx.engine.transaction(async (trx) => {
        const result = await trx.deleteFrom('schedules').where('schedule_id', '=', scheduleId).executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) throw new NotFoundError('schedule', scheduleId);
        await audit(ctx, trx, { actor, action: 'remove-schedule', targetType: 'schedule', targetId: scheduleId });
      }),

    runScheduleNow: (scheduleId, actor) =>
      ctx.engine.transaction(async (trx) => {
        const row = await trx.selectFrom('schedules').selectAll().where('schedule_id', '=', scheduleId).executeTakeFirst();
        if (!row) throw new NotFoundError('schedule', scheduleId);
        const execution = await startRun(trx, row, actor);
        await trx
          .updateTable('schedules')
          .set({ last_run_time: ctx.clock.now(), last_execution_id: execution.executionId, last_error: null })
          .where('schedule_id', '=', scheduleId)
          .execute();
        return execution;
      }),

    async fireDueSchedules() {
      const now = ctx.clock.now();
      const due = await ctx.engine.read((db) =>
        db
          .selectFrom('schedules')
          .select(['schedule_id', 'next_run_time'])
          .where('is_enabled', '=', 1)
          .where('next_run_time', '<=', now)
          .orderBy('next_run_time')
          .execute(),
      );
      const fired: FiredSchedule[] = [];
      for (const candidate of due) {
        const dueTime = num(candidate.next_run_time ?? 0);
        // One transaction per schedule: a bad schedule cannot hold back the others.
        const result = await ctx.engine.transaction(async (trx): Promise<FiredSchedule | undefined> => {
          const row = await trx.selectFrom('schedules').selectAll().where('schedule_id', '=', candidate.schedule_id).executeTakeFirst();
          if (!row) return undefined;
          // The fence: only the instance that moves next_run_time off this due time runs the slot.
          const moved = await trx
            .updateTable('schedules')
            .set({ next_run_time: nextRunTime(row.cron_expression, row.time_zone, now) })
            .where('schedule_id', '=', row.schedule_id)
            .where('next_run_time', '=', dueTime)
            .executeTakeFirst();
          if (Number(moved.numUpdatedRows) !== 1) return undefined;
          const late = now - dueTime > misfireGraceMs;
          if (late && row.misfire_policy === 'skip') {
            return { scheduleId: row.schedule_id, dueTime, executionId: null, reason: 'missed while the master was down (misfire policy: skip)' };
          }
          const actor = `schedule:${row.name}`;
          try {
            const { executionId } = await startRun(trx, row, actor);
            await trx
              .updateTable('schedules')
              .set({ last_run_time: now, last_execution_id: executionId, last_error: null })
              .where('schedule_id', '=', row.schedule_id)
              .execute();
            return { scheduleId: row.schedule_id, dueTime, executionId };
          } catch (error) {
            // The package changed since the schedule was made (removed, a new required parameter…): insertExecution
            // checks everything before it writes, so nothing half-made remains. The schedule still moves on, and
            // the error stays visible on it until a run succeeds.
            if (!(error instanceof CatalogError)) throw error;
            const reason = error.message;
            await trx
              .updateTable('schedules')
              .set({ last_run_time: now, last_error: clipMessage(reason) })
              .where('schedule_id', '=', row.schedule_id)
              .execute();
            return { scheduleId: row.schedule_id, dueTime, executionId: null, reason };
          }
        });
        if (result) fired.push(result);
      }
      return fired;
    },

    async nextScheduledRunTime() {
      const next = await ctx.engine.read((db) =>
        db
          .selectFrom('schedules')
          .select((eb) => eb.fn.min('next_run_time').as('time'))
          .where('is_enabled', '=', 1)
          .executeTakeFirst(),
      );
      return numOrNull(next?.time ?? null);
    },
  };
}
