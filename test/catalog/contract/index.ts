import { catalogPropertyScenarios } from './catalog-properties.js';
import { childAndScheduleScenarios } from './children-and-schedules.js';
import { enrollmentTokenScenarios } from './enrollment-tokens.js';
import { environmentScenarios } from './environments.js';
import { eventKeyAndCleanupScenarios } from './events-keys-cleanup.js';
import type { Scenario } from './fixtures.js';
import { idempotencyKeyScenarios } from './idempotency-keys.js';
import { masterAndWorkerScenarios } from './master-and-workers.js';
import { objectPermissionScenarios } from './object-permissions.js';
import { projectAndExecutionScenarios } from './projects-and-executions.js';
import { projectVersionScenarios } from './project-versions.js';
import { taskProtocolScenarios } from './task-protocol.js';

/**
 * The catalog contract: what every engine must do, as scenarios over a fresh catalog. The SQLite and SQL Server
 * test files register each one as a test; the MSSQL statement check replays them all to see every statement.
 */
export const catalogContract: Record<string, Record<string, Scenario>> = {
  'master and worker agents': masterAndWorkerScenarios,
  'projects and executions': projectAndExecutionScenarios,
  'task protocol': taskProtocolScenarios,
  'event messages, API keys and cleanup': eventKeyAndCleanupScenarios,
  'children and schedules': childAndScheduleScenarios,
  'enrollment tokens': enrollmentTokenScenarios,
  'Idempotency-Keys': idempotencyKeyScenarios,
  'environments, references and object parameters': environmentScenarios,
  'project versions': projectVersionScenarios,
  'object permissions': objectPermissionScenarios,
  'catalog properties': catalogPropertyScenarios,
};
