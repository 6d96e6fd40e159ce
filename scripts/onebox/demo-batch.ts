import { createExecution, getExecution, listExecutions, stopExecution } from '../../contracts/management/endpoints.js';
import type { ExecutionSummaryView, ExecutionView } from '../../contracts/management/views.js';
import type { ManagementApi } from './management.js';

/** What the demo expects of an execution, checked at the end. */
export type Expectation = 'succeeds' | 'fails then succeeds on retry' | 'is stopped';

export interface PlannedExecution {
  label: string;
  packagePath: string;
  parameters?: Record<string, string | number | boolean>;
  retryCount?: number;
  expect: Expectation;
}

export interface BatchProgress {
  ended: number;
  running: number;
  waiting: number;
  total: number;
}

export interface BatchOutcome {
  planned: { plan: PlannedExecution; execution: ExecutionView; problem: string | undefined }[];
  /** Every execution the batch caused, children included. */
  all: ExecutionSummaryView[];
}

const endedStatuses = new Set([3, 4, 6, 7, 9]);
const pollMs = 250;

/**
 * Runs batches of executions through the management API, one batch after the other (a later batch may read what
 * an earlier one loaded), each watched until all its executions have ended. The ones planned to be stopped are
 * stopped (SSISDB stop_operation) as soon as they run.
 */
export async function runDemoBatch(
  api: ManagementApi,
  batches: PlannedExecution[][],
  onProgress: (progress: BatchProgress) => void,
): Promise<BatchOutcome> {
  const since = new Date(Date.now() - 1000).toISOString();
  const planned: BatchOutcome['planned'] = [];
  for (const batch of batches) {
    const started = await Promise.all(batch.map(async (plan) => ({ plan, execution: await start(api, plan) })));
    const stopSent = new Set<number>();
    for (;;) {
      const current = await Promise.all(started.map(async ({ plan, execution }) => ({ plan, execution: await api(getExecution, { params: { executionId: execution.executionId } }) })));
      for (const { plan, execution } of current) {
        if (plan.expect === 'is stopped' && execution.status === 2 && !stopSent.has(execution.executionId)) {
          stopSent.add(execution.executionId);
          await api(stopExecution, { params: { executionId: execution.executionId } });
        }
      }
      const all = [...planned.map((p) => p.execution), ...current.map((c) => c.execution)];
      const total = batches.reduce((sum, b) => sum + b.length, 0);
      const ended = all.filter((e) => endedStatuses.has(e.status)).length;
      const running = all.filter((e) => e.status === 2 || e.status === 8).length;
      onProgress({ ended, running, waiting: all.length - ended - running + (total - all.length), total });
      if (current.every(({ execution }) => endedStatuses.has(execution.status))) {
        planned.push(...current.map(({ plan, execution }) => ({ plan, execution, problem: problemWith(plan, execution) })));
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
  const { executions } = await api(listExecutions, { query: { since, limit: 500, offset: 0 } });
  return { planned, all: executions };
}

async function start(api: ManagementApi, plan: PlannedExecution): Promise<ExecutionView> {
  const [folderName, projectName, packageName] = plan.packagePath.split('/') as [string, string, string];
  return api(createExecution, {
    body: {
      folderName,
      projectName,
      packageName,
      ...(plan.parameters ? { parameters: plan.parameters } : {}),
      start: true,
      retryCount: plan.retryCount ?? 0,
    },
  });
}

/** Why the execution did not end as planned, or undefined when it did. */
function problemWith(plan: PlannedExecution, execution: ExecutionView): string | undefined {
  const ended = `ended ${execution.statusName}${execution.statusMessage ? ` (${execution.statusMessage})` : ''}`;
  switch (plan.expect) {
    case 'succeeds':
      return execution.status === 7 ? undefined : ended;
    case 'fails then succeeds on retry':
      if (execution.status !== 7) return ended;
      return execution.attempts.length === 2 && execution.attempts[0]?.state === 'failed'
        ? undefined
        : `succeeded, but with attempts ${execution.attempts.map((a) => a.state).join(', ')}`;
    case 'is stopped':
      return execution.status === 3 ? undefined : ended;
  }
}
