import type { HttpFunction } from './http/define-handler.js';
import { serveDashboardFunction } from './handlers/dashboard.js';
import { getOpenApiDocumentFunction } from './handlers/openapi.js';
import { createApiKeyFunction, listApiKeysFunction, listAuditTrailFunction, revokeApiKeyFunction } from './handlers/management/api-keys.js';
import {
  addExecutionWorkerFunction,
  createExecutionFunction,
  getExecutionFunction,
  listExecutionEventsFunction,
  listExecutionsFunction,
  setExecutionParameterValueFunction,
  startExecutionFunction,
  stopExecutionFunction,
} from './handlers/management/executions.js';
import { listPoisonMessagesFunction, redrivePoisonMessagesFunction } from './handlers/management/poison-messages.js';
import { getCallerFunction } from './handlers/management/caller.js';
import { environmentFunctions } from './handlers/management/environments.js';
import { permissionFunctions } from './handlers/management/permissions.js';
import { configureCatalogFunction, listCatalogPropertiesFunction } from './handlers/management/catalog-properties.js';
import { enableScaleOutFunction, getDashboardFunction, getMasterStatusFunction } from './handlers/management/master.js';
import {
  deployProjectFunction,
  getProjectFunction,
  listFoldersFunction,
  listPackagesFunction,
  listProjectsFunction,
  listProjectVersionsFunction,
  restoreProjectFunction,
} from './handlers/management/projects.js';
import {
  addWorkerFunction,
  disableWorkerFunction,
  enableWorkerFunction,
  getWorkerFunction,
  listWorkersFunction,
  removeWorkerFunction,
  setWorkerPropertiesFunction,
} from './handlers/management/workers.js';
import {
  createScheduleFunction,
  disableScheduleFunction,
  enableScheduleFunction,
  getScheduleFunction,
  listSchedulesFunction,
  removeScheduleFunction,
  runScheduleNowFunction,
} from './handlers/management/schedules.js';
import {
  getChildExecutionFunction,
  listChildExecutionEventsFunction,
  listChildExecutionsFunction,
  startChildExecutionFunction,
  stopChildExecutionFunction,
} from './handlers/task/children.js';
import { claimTasksFunction } from './handlers/worker/claim-tasks.js';
import { completeTaskFunction } from './handlers/worker/complete-task.js';
import { enrollWorkerFunction } from './handlers/worker/enroll.js';
import {
  createEnrollmentTokenFunction,
  listEnrollmentTokensFunction,
  revokeEnrollmentTokenFunction,
} from './handlers/management/enrollment-tokens.js';
import { downloadAgentFunction, listAgentDownloadsFunction } from './handlers/worker/agent-downloads.js';
import { downloadArchiveFunction } from './handlers/worker/download-archive.js';
import { heartbeatFunction } from './handlers/worker/heartbeat.js';
import { postEventsFunction } from './handlers/worker/post-events.js';
import { masterQueueFunctions } from './queues/master-queue-functions.js';
import type { QueueFunction } from './queues/queue-function.js';
import { masterTimers } from './timers/master-timers.js';
import type { TimerFunction } from './timers/timer-function.js';

/**
 * Every function of the master, declared once. The Azure Functions registration (app.ts) and the local host
 * (local-host/) both serve exactly this table.
 */
export type MasterFunction = HttpFunction | TimerFunction | QueueFunction;

export const functionTable: readonly MasterFunction[] = [
  // Worker protocol
  claimTasksFunction,
  heartbeatFunction,
  postEventsFunction,
  completeTaskFunction,
  downloadArchiveFunction,
  enrollWorkerFunction,
  listAgentDownloadsFunction,
  downloadAgentFunction,
  // Management API
  getMasterStatusFunction,
  enableScaleOutFunction,
  listPoisonMessagesFunction,
  redrivePoisonMessagesFunction,
  listCatalogPropertiesFunction,
  configureCatalogFunction,
  getDashboardFunction,
  getCallerFunction,
  listWorkersFunction,
  getWorkerFunction,
  addWorkerFunction,
  removeWorkerFunction,
  enableWorkerFunction,
  disableWorkerFunction,
  setWorkerPropertiesFunction,
  createEnrollmentTokenFunction,
  listEnrollmentTokensFunction,
  revokeEnrollmentTokenFunction,
  deployProjectFunction,
  listFoldersFunction,
  listProjectsFunction,
  getProjectFunction,
  listPackagesFunction,
  listProjectVersionsFunction,
  restoreProjectFunction,
  createExecutionFunction,
  setExecutionParameterValueFunction,
  addExecutionWorkerFunction,
  startExecutionFunction,
  stopExecutionFunction,
  getExecutionFunction,
  listExecutionsFunction,
  listExecutionEventsFunction,
  createApiKeyFunction,
  listApiKeysFunction,
  revokeApiKeyFunction,
  listAuditTrailFunction,
  createScheduleFunction,
  listSchedulesFunction,
  getScheduleFunction,
  enableScheduleFunction,
  disableScheduleFunction,
  removeScheduleFunction,
  runScheduleNowFunction,
  ...environmentFunctions,
  ...permissionFunctions,
  // Task API: a running package and its children
  startChildExecutionFunction,
  listChildExecutionsFunction,
  getChildExecutionFunction,
  stopChildExecutionFunction,
  listChildExecutionEventsFunction,
  getOpenApiDocumentFunction,
  // The web dashboard: a catch-all GET, so every route above wins over it.
  serveDashboardFunction,
  // Timers and queue triggers
  ...masterTimers,
  ...masterQueueFunctions,
];
