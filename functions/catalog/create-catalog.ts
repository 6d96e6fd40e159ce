import { systemClock, type Clock } from '../clock.js';
import type { Catalog } from './catalog.js';
import type { CatalogContext } from './context.js';
import type { CatalogEngine } from './engine.js';
import { apiKeyOperations } from './operations/api-keys.js';
import { auditOperations } from './operations/audit.js';
import { enrollmentTokenOperations } from './operations/enrollment-tokens.js';
import { cleanupOperation } from './operations/cleanup.js';
import { environmentReferenceOperations } from './operations/environment-references.js';
import { environmentOperations } from './operations/environments.js';
import { eventMessageOperations } from './operations/event-messages.js';
import { idempotencyKeyOperations } from './operations/idempotency-keys.js';
import { executionOperations } from './operations/executions/execution-operations.js';
import { catalogPropertyOperations } from './operations/catalog-properties.js';
import { masterPropertyOperations } from './operations/master-properties.js';
import { objectParameterOperations } from './operations/object-parameters.js';
import { objectPermissionOperations } from './operations/object-permissions.js';
import { projectOperations } from './operations/projects.js';
import { projectVersionOperations } from './operations/project-versions.js';
import { scheduleOperations } from './operations/schedules.js';
import { claimTasksOperation } from './operations/tasks/claim-tasks.js';
import { completeTaskOperation } from './operations/tasks/complete-task.js';
import { expireLeasesOperation } from './operations/tasks/expire-leases.js';
import { renewLeasesOperation } from './operations/tasks/renew-leases.js';
import { workerAgentOperations } from './operations/worker-agents.js';
import type { ValueCipher } from './value-cipher.js';

export interface CatalogOptions {
  engine: CatalogEngine;
  cipher: ValueCipher;
  /** @default the system clock */
  clock?: Clock;
  /**
   * How long a lease lasts without a heartbeat. With the worker's 10 s TaskHeartbeatInterval and a lease sweep
   * every 5 s, a dead worker's task is detected within 25 s.
   * @default 20000
   */
  leaseMs?: number;
  /**
   * Told of every task queued (a start, a retry), as soon as a claim can see it and never for a write rolled
   * back; says whether it woke a claim. The master wakes its held claims with it, which on SQLite then share the
   * start's commit (CatalogEngine.whenVisible).
   */
  taskQueued?: () => boolean;
}

/** The catalog over one engine. The engine must be migrated (`engine.migrate()`) before use. */
export function createCatalog(options: CatalogOptions): Catalog {
  const ctx: CatalogContext = {
    engine: options.engine,
    cipher: options.cipher,
    clock: options.clock ?? systemClock,
    leaseMs: options.leaseMs ?? 20000,
    taskQueued: options.taskQueued,
  };
  return {
    ...masterPropertyOperations(ctx),
    ...catalogPropertyOperations(ctx),
    ...workerAgentOperations(ctx),
    ...projectOperations(ctx),
    ...environmentOperations(ctx),
    ...environmentReferenceOperations(ctx),
    ...objectParameterOperations(ctx),
    ...projectVersionOperations(ctx),
    ...executionOperations(ctx),
    ...claimTasksOperation(ctx),
    ...renewLeasesOperation(ctx),
    ...completeTaskOperation(ctx),
    ...expireLeasesOperation(ctx),
    ...cleanupOperation(ctx),
    ...scheduleOperations(ctx),
    ...eventMessageOperations(ctx),
    ...objectPermissionOperations(ctx),
    ...apiKeyOperations(ctx),
    ...enrollmentTokenOperations(ctx),
    ...auditOperations(ctx),
    ...idempotencyKeyOperations(ctx),
    close: () => ctx.engine.destroy(),
  };
}
