import type { Selectable } from 'kysely';
import type { CatalogDb, CatalogTrx } from './engine.js';
import type {
  ApiKey,
  ApiKeyRole,
  AuditEntry,
  DeclaredParameter,
  EventMessage,
  EventMessageType,
  ExecutionStatus,
  Package,
  PackageRunner,
  Task,
  TaskState,
} from './domain.js';
import type {
  ApiKeysTable,
  AuditTrailTable,
  EventMessagesTable,
  PackagesTable,
  TasksTable,
} from './schema.js';

/**
 * Row → domain mappers. They normalise what the engines return differently: tedious gives BIGINT as a string and
 * bit as a boolean, better-sqlite3 gives numbers for both.
 */
export const num = (value: number | string): number => Number(value);
export const numOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));
export const flag = (value: number | boolean): boolean => value === true || value === 1;

/** An attempt as selectAttempts reads it: with its worker's display name, live or kept after removal. */
export type AttemptRow = Selectable<TasksTable> & { worker_name: string | null };

export function selectAttempts(db: CatalogDb | CatalogTrx) {
  return db
    .selectFrom('tasks as t')
    .leftJoin('worker_agents as w', 'w.worker_agent_id', 't.worker_agent_id')
    .selectAll('t')
    .select((eb) => eb.fn.coalesce('w.display_name', 't.worker_display_name').as('worker_name'));
}

export function toTask(row: AttemptRow): Task {
  return {
    taskId: row.task_id,
    executionId: row.execution_id,
    attemptNumber: row.attempt_number,
    state: row.state as TaskState,
    workerAgentId: row.worker_agent_id,
    workerDisplayName: row.worker_name,
    createdTime: num(row.created_time),
    claimedTime: numOrNull(row.claimed_time),
    leaseDeadline: numOrNull(row.lease_deadline),
    lastHeartbeatTime: numOrNull(row.last_heartbeat_time),
    cancelRequested: flag(row.cancel_requested),
    endTime: numOrNull(row.end_time),
    exitCode: row.exit_code,
    resultMessage: row.result_message,
  };
}

export function toPackage(row: Selectable<PackagesTable>): Package {
  return {
    packageId: row.package_id,
    projectVersionId: row.project_version_id,
    name: row.name,
    description: row.description,
    runner: row.runner as PackageRunner,
    entry: row.entry,
    arguments: JSON.parse(row.arguments) as string[],
    parameters: JSON.parse(row.parameters) as DeclaredParameter[],
    timeoutMs: row.timeout_ms,
  };
}

export function toEventMessage(row: Selectable<EventMessagesTable>): EventMessage {
  return {
    eventMessageId: num(row.event_message_id),
    executionId: row.execution_id,
    taskId: row.task_id,
    sequenceNumber: row.sequence_number,
    messageTime: num(row.message_time),
    messageType: row.message_type as EventMessageType,
    messageSourceName: row.message_source_name,
    message: row.message,
  };
}

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    apiKeyId: row.api_key_id,
    name: row.name,
    role: row.role as ApiKeyRole,
    createdBy: row.created_by,
    createdTime: num(row.created_time),
    lastUsedTime: numOrNull(row.last_used_time),
    revokedTime: numOrNull(row.revoked_time),
  };
}

export function toAuditEntry(row: Selectable<AuditTrailTable>): AuditEntry {
  return {
    auditId: row.audit_id,
    occurredTime: num(row.occurred_time),
    actor: row.actor,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

export const toExecutionStatus = (status: number): ExecutionStatus => status as ExecutionStatus;
