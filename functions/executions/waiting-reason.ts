import type { ScaleOutState } from '../catalog/catalog.js';
import { ExecutionStatus, type Execution, type WorkerAvailability, workerIsOnline } from '../catalog/domain.js';

/**
 * Why an execution is not running yet, in words an administrator can act on. Peers' users complain most about
 * an opaque "waiting for a runner"; this says which rule keeps it waiting. Only a pending execution's reason needs
 * the Scale Out state (`scaleOut`, null for any other): an execution shown right after its start is pending, so a
 * create or start reads it in its own transaction (WrittenExecution), and that answer stays cheap.
 */
export function waitingReason(execution: Execution, scaleOut: ScaleOutState | null, now: number, offlineAfterMs: number): string | null {
  if (execution.status === ExecutionStatus.created) {
    return 'created, not started: start it (scaleout execution start, SSISDB start_execution)';
  }
  if (execution.status !== ExecutionStatus.pending) return null;
  if (!scaleOut) throw new Error(`execution ${execution.executionId} is pending: its waiting reason needs the Scale Out state`);
  const { isScaleOutEnabled, workers } = scaleOut;
  if (!isScaleOutEnabled) return 'Scale Out is not enabled: an administrator runs `scaleout master enable`';

  const allowed = execution.useAnyWorker
    ? workers
    : workers.filter((w) => execution.allowedWorkerIds.includes(w.workerAgentId));
  if (allowed.length === 0) {
    return execution.useAnyWorker
      ? 'no worker agent is registered: add one (scaleout worker add)'
      : `none of the workers it may run on exists any more (${execution.allowedWorkerIds.join(', ')})`;
  }
  const required = execution.requiredTags.map((t) => t.toLowerCase());
  const tagged = allowed.filter((w) => required.every((tag) => w.tags.some((t) => t.toLowerCase() === tag)));
  if (tagged.length === 0) {
    return `no worker it may run on has all the tags ${execution.requiredTags.join(', ')}`;
  }
  const enabled = tagged.filter((w) => w.isEnabled);
  if (enabled.length === 0) {
    return `the workers that could run it are disabled: ${names(tagged)} (scaleout worker enable <id>)`;
  }
  const online = enabled.filter((w) => workerIsOnline(w, now, offlineAfterMs));
  if (online.length === 0) {
    return `the workers that could run it are offline: ${names(enabled)} (is scaleout-worker running on them?)`;
  }
  const free = online.filter((w) => w.runningTaskCount < w.maxTaskCount);
  if (free.length === 0) {
    return `the workers that could run it are busy: ${online.map((w) => `${w.displayName} ${w.runningTaskCount}/${w.maxTaskCount}`).join(', ')}`;
  }
  return `waiting for ${names(free)} to claim it`;
}

function names(workers: readonly WorkerAvailability[]): string {
  const shown = workers.slice(0, 5).map((w) => w.displayName);
  return workers.length > 5 ? `${shown.join(', ')} and ${workers.length - 5} more` : shown.join(', ');
}
