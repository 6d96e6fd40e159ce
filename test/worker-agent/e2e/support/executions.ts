import { fileURLToPath } from 'node:url';
import type { EventMessageView, ExecutionView } from '../../../../contracts/management/views.js';
import { createExecution, deployProject, getExecution, listExecutionEvents } from '../../../../contracts/management/endpoints.js';
import type { ManagementCaller } from '../../../support/test-master.js';
import { zipFolder } from '../../support/zip.js';
import { waitFor } from './wait.js';

/** The folder and project the end-to-end packages are deployed as. */
export const e2eFolder = 'E2E';
export const e2eProject = 'Packages';

/** test/fixtures/e2e-project: the real packages (node modules, node and shell executables) the tests run. */
export const e2eProjectFolder = fileURLToPath(new URL('../../../fixtures/e2e-project/', import.meta.url));

/** Deploys the end-to-end project through the management API, as `scaleout project deploy` would. */
export async function deployE2eProject(admin: ManagementCaller): Promise<void> {
  const archive = await zipFolder(e2eProjectFolder);
  await admin(deployProject, { params: { folderName: e2eFolder, projectName: e2eProject }, body: archive });
}

/** Creates and starts an execution of one of the end-to-end packages. */
export async function startExecution(
  admin: ManagementCaller,
  packageName: string,
  parameters: Record<string, string>,
  options: { retryCount?: number; workerAgentIds?: string[]; folderName?: string; projectName?: string } = {},
): Promise<ExecutionView> {
  return admin(createExecution, {
    body: {
      folderName: options.folderName ?? e2eFolder,
      projectName: options.projectName ?? e2eProject,
      packageName,
      parameters,
      start: true,
      retryCount: options.retryCount ?? 0,
      ...(options.workerAgentIds ? { workerAgentIds: options.workerAgentIds } : {}),
    },
  });
}

/** SSISDB statuses an execution does not leave: canceled, failed, ended unexpectedly, succeeded, completed. */
export const endedStatuses = new Set([3, 4, 6, 7, 9]);

export function waitForExecution(
  admin: ManagementCaller,
  executionId: number,
  what: string,
  condition: (execution: ExecutionView) => boolean,
  timeoutMs = 90_000,
): Promise<ExecutionView> {
  let last: ExecutionView | undefined;
  return waitFor(
    `execution ${executionId} ${what}`,
    async () => {
      last = await admin(getExecution, { params: { executionId } });
      return condition(last) ? last : undefined;
    },
    { timeoutMs, detail: () => `last seen: ${JSON.stringify(last, null, 2)}` },
  );
}

export function waitForEnd(admin: ManagementCaller, executionId: number, timeoutMs = 90_000): Promise<ExecutionView> {
  return waitForExecution(admin, executionId, 'to end', (execution) => endedStatuses.has(execution.status), timeoutMs);
}

/**
 * Every event message of an execution stored in the catalog, oldest first; with `tree`, its descendants' too, in
 * one stream (what `scaleout execution logs` shows for a parent).
 */
export async function executionEvents(
  admin: ManagementCaller,
  executionId: number,
  options: { tree?: boolean } = {},
): Promise<EventMessageView[]> {
  const events: EventMessageView[] = [];
  let after = 0;
  for (;;) {
    const page = await admin(listExecutionEvents, { params: { executionId }, query: { after, limit: 5000, tree: options.tree ? 'true' : 'false' } });
    events.push(...page.events);
    if (page.events.length < 5000) return events;
    after = page.nextCursor;
  }
}

/** Waits until the catalog holds event messages of an execution that satisfy `condition`. */
export function waitForEvents(
  admin: ManagementCaller,
  executionId: number,
  what: string,
  condition: (events: EventMessageView[]) => boolean,
  timeoutMs = 60_000,
): Promise<EventMessageView[]> {
  let last: EventMessageView[] = [];
  return waitFor(
    `event messages of execution ${executionId}: ${what}`,
    async () => {
      last = await executionEvents(admin, executionId);
      return condition(last) ? last : undefined;
    },
    { timeoutMs, detail: () => `stored so far:\n${last.map((e) => `  ${e.sequenceNumber} ${e.messageSourceName}: ${e.message}`).join('\n')}` },
  );
}
