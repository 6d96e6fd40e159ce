import { listWorkers } from '../../../contracts/management/endpoints.js';
import type { WorkerAgentView } from '../../../contracts/management/views.js';
import type { MasterApi } from '../client.js';
import { CliError, ExitCode, usageError } from '../errors.js';

/**
 * A worker named the way an administrator thinks of it: its ID, a unique ID prefix (4 characters or more), or its
 * display or machine name (case-insensitive), as Scale Out Manager lists workers by machine name.
 */
export async function resolveWorker(api: MasterApi, reference: string): Promise<WorkerAgentView> {
  return findWorker((await api.call(listWorkers, {})).workers, reference);
}

/** The IDs of workers named as `resolveWorker` takes them, from one listing. */
export async function resolveWorkerIds(api: MasterApi, references: readonly string[]): Promise<string[]> {
  const { workers } = await api.call(listWorkers, {});
  return references.map((reference) => findWorker(workers, reference).workerAgentId);
}

function findWorker(workers: readonly WorkerAgentView[], reference: string): WorkerAgentView {
  const exact = workers.find((w) => w.workerAgentId === reference);
  if (exact) return exact;
  const wanted = reference.toLowerCase();
  const named = workers.filter((w) => w.displayName.toLowerCase() === wanted || w.machineName.toLowerCase() === wanted);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw ambiguous(reference, named);
  const prefixed = wanted.length >= 4 ? workers.filter((w) => w.workerAgentId.toLowerCase().startsWith(wanted)) : [];
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) throw ambiguous(reference, prefixed);
  throw new CliError(`worker '${reference}' was not found (scaleout worker list shows them)`, ExitCode.notFound);
}

function ambiguous(reference: string, workers: readonly WorkerAgentView[]): CliError {
  const ids = workers.map((w) => `${w.workerAgentId} (${w.displayName})`).join(', ');
  return usageError(`'${reference}' matches ${workers.length} workers: ${ids}; give the worker ID`);
}

/** Display names by worker ID, for showing executions; empty when the workers cannot be listed. */
export async function workerNames(api: MasterApi): Promise<Map<string, string>> {
  try {
    const { workers } = await api.call(listWorkers, {});
    return new Map(workers.map((w) => [w.workerAgentId, w.displayName]));
  } catch {
    return new Map();
  }
}
