import { executionStatusNames } from '../../contracts/common.js';
import { isAgentOutdated } from '../../contracts/agent-version.js';
import type {
  ApiKeyView,
  EnrollmentTokenView,
  EventMessageView,
  ExecutionSummaryView,
  ExecutionView,
  PackageView,
  ProjectVersionView,
  WorkerAgentView,
  WorkerStatus,
} from '../../contracts/management/views.js';
import type { ClaimedTask as ClaimedTaskView } from '../../contracts/worker-protocol.js';
import {
  EventMessageType,
  type ApiKey,
  enrollmentTokenState,
  type EnrollmentToken,
  type ClaimedTask,
  type EventMessage,
  type Execution,
  type ExecutionSummary,
  type Package,
  type ProjectVersion,
  type WorkerAgent,
  workerIsOnline,
} from '../catalog/domain.js';

/** Domain → the contracts' views. Times become ISO 8601 UTC. */
export const iso = (epochMs: number): string => new Date(epochMs).toISOString();
export const isoOrNull = (epochMs: number | null): string | null => (epochMs === null ? null : iso(epochMs));

export function workerStatus(worker: WorkerAgent, now: number, offlineAfterMs: number): WorkerStatus {
  if (!worker.isEnabled) return 'disabled';
  return workerIsOnline(worker, now, offlineAfterMs) ? 'online' : 'offline';
}

export function toWorkerView(worker: WorkerAgent, now: number, offlineAfterMs: number, masterVersion: string): WorkerAgentView {
  return {
    workerAgentId: worker.workerAgentId,
    machineName: worker.machineName,
    displayName: worker.displayName,
    description: worker.description,
    tags: worker.tags,
    isEnabled: worker.isEnabled,
    status: workerStatus(worker, now, offlineAfterMs),
    runningTaskCount: worker.runningTaskCount,
    maxTaskCount: worker.maxTaskCount,
    lastOnlineTime: isoOrNull(worker.lastOnlineTime),
    agentVersion: worker.agentVersion,
    agentOutdated: isAgentOutdated(worker.agentVersion, masterVersion),
    os: worker.os,
    userAccount: worker.userAccount,
    certificate: {
      thumbprintSha1: worker.certThumbprintSha1,
      thumbprintSha256: worker.certThumbprintSha256,
      notAfter: isoOrNull(worker.certNotAfter),
    },
    createdTime: iso(worker.createdTime),
  };
}

export function toEnrollmentTokenView(token: EnrollmentToken, now: number): EnrollmentTokenView {
  return {
    tokenId: token.tokenId,
    createdBy: token.createdBy,
    createdTime: iso(token.createdTime),
    expiresTime: iso(token.expiresTime),
    maxUses: token.maxUses,
    useCount: token.useCount,
    tags: token.tags,
    maxTaskCount: token.maxTaskCount,
    enableWorker: token.enableWorker,
    lastUsedTime: isoOrNull(token.lastUsedTime),
    revokedTime: isoOrNull(token.revokedTime),
    status: enrollmentTokenState(token, now),
  };
}

export function toPackageView(pkg: Package): PackageView {
  return {
    name: pkg.name,
    description: pkg.description,
    runner: pkg.runner,
    entry: pkg.entry,
    arguments: pkg.arguments,
    parameters: pkg.parameters.map((p) => ({
      name: p.name,
      dataType: p.dataType,
      required: p.required,
      sensitive: p.sensitive,
      defaultValue: p.sensitive ? null : (p.defaultValue ?? null),
      description: p.description ?? null,
    })),
    timeoutMs: pkg.timeoutMs,
  };
}

export function toProjectVersionView(version: ProjectVersion): ProjectVersionView {
  return {
    folderName: version.folderName,
    projectName: version.projectName,
    projectVersionId: version.projectVersionId,
    versionNumber: version.versionNumber,
    archiveSha256: version.archiveSha256,
    archiveSize: version.archiveSize,
    deployedBy: version.deployedBy,
    deployedByName: version.deployedByName,
    deployedTime: iso(version.deployedTime),
    isCurrent: version.isCurrent,
    restoredBy: version.restoredBy,
    lastRestoredTime: isoOrNull(version.lastRestoredTime),
    packages: version.packages.map(toPackageView),
  };
}

export function toExecutionSummaryView(execution: ExecutionSummary): ExecutionSummaryView {
  return {
    executionId: execution.executionId,
    folderName: execution.folderName,
    projectName: execution.projectName,
    packageName: execution.packageName,
    status: execution.status,
    statusName: executionStatusNames[execution.status],
    statusMessage: execution.statusMessage,
    useAnyWorker: execution.useAnyWorker,
    retryCount: execution.retryCount,
    attemptCount: execution.attemptCount,
    workerAgentId: execution.workerAgentId,
    workerDisplayName: execution.workerDisplayName,
    createdBy: execution.createdBy,
    createdTime: iso(execution.createdTime),
    startTime: isoOrNull(execution.startTime),
    endTime: isoOrNull(execution.endTime),
    parentExecutionId: execution.parentExecutionId,
    childKey: execution.childKey,
  };
}

export function toExecutionView(
  execution: Execution,
  waitingReason: string | null,
  children: ExecutionSummary[],
): ExecutionView {
  return {
    ...toExecutionSummaryView(execution),
    scheduleId: execution.scheduleId,
    children: children.map(toExecutionSummaryView),
    projectVersionId: execution.projectVersionId,
    timeoutMs: execution.timeoutMs,
    workerAgentIds: execution.allowedWorkerIds,
    requiredTags: execution.requiredTags,
    parameters: execution.parameters,
    attempts: execution.attempts.map((task) => ({
      taskId: task.taskId,
      attemptNumber: task.attemptNumber,
      state: task.state,
      workerAgentId: task.workerAgentId,
      workerDisplayName: task.workerDisplayName,
      claimedTime: isoOrNull(task.claimedTime),
      lastHeartbeatTime: isoOrNull(task.lastHeartbeatTime),
      endTime: isoOrNull(task.endTime),
      exitCode: task.exitCode,
      resultMessage: task.resultMessage,
      cancelRequested: task.cancelRequested,
    })),
    waitingReason,
  };
}

const messageTypeNames: Record<number, EventMessageView['messageTypeName']> = {
  [EventMessageType.error]: 'error',
  [EventMessageType.warning]: 'warning',
  [EventMessageType.information]: 'information',
  [EventMessageType.progress]: 'progress',
};

export function toEventMessageView(message: EventMessage): EventMessageView {
  return {
    eventMessageId: message.eventMessageId,
    executionId: message.executionId,
    taskId: message.taskId,
    sequenceNumber: message.sequenceNumber,
    messageTime: iso(message.messageTime),
    messageType: message.messageType,
    messageTypeName: messageTypeNames[message.messageType] ?? 'other',
    messageSourceName: message.messageSourceName,
    message: message.message,
  };
}

export function toApiKeyView(key: ApiKey): ApiKeyView {
  return {
    apiKeyId: key.apiKeyId,
    name: key.name,
    role: key.role,
    createdBy: key.createdBy,
    createdTime: iso(key.createdTime),
    lastUsedTime: isoOrNull(key.lastUsedTime),
    revokedTime: isoOrNull(key.revokedTime),
  };
}

export function toClaimedTaskView(task: ClaimedTask, taskCredential: string): ClaimedTaskView {
  return {
    taskId: task.taskId,
    attemptNumber: task.attemptNumber,
    executionId: task.executionId,
    folderName: task.folderName,
    projectName: task.projectName,
    packageName: task.packageName,
    archive: { projectVersionId: task.projectVersionId, sha256: task.archiveSha256, size: task.archiveSize },
    runner: task.runner,
    entry: task.entry,
    arguments: task.arguments,
    parameters: task.parameters,
    sensitiveParameterNames: task.sensitiveParameterNames,
    timeoutMs: task.timeoutMs,
    taskCredential,
  };
}
