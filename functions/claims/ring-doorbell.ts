import type { Execution } from '../catalog/domain.js';
import type { MasterServices } from '../master-services.js';

/** Who may take the work that became claimable. */
export type NewWork =
  /** New tasks, for the workers named, or for any eligible worker. */
  | { workerAgentIds?: readonly string[] | undefined }
  /** Something changed for everyone (Scale Out or a worker enabled, tags changed): every idle worker looks. */
  | 'everyone';

/** New tasks any eligible worker may take. */
export const anyWorker: NewWork = {};

/**
 * The one call wherever work becomes claimable (a start on any instance, a retry re-queued, a schedule firing, a
 * worker enabled, a child started by a package): the doorbells of the idle workers ring. Claims held open on
 * this instance hear of new tasks from the catalog itself, as soon as they can see them (CatalogOptions
 * .taskQueued), and of a change for everyone here. A ring that fails loses no work (it is in the catalog): the
 * worker finds it at its next claim; so it is logged, never thrown into the request that made the work.
 */
export async function ringDoorbell(
  services: Pick<MasterServices, 'workSignal' | 'claimsHeldHere' | 'doorbell' | 'log'>,
  work: NewWork,
): Promise<void> {
  if (work === 'everyone') services.workSignal.notifyAll();
  if (!services.doorbell) return;
  const workers = work === 'everyone' || !work.workerAgentIds?.length ? 'all' : work.workerAgentIds;
  try {
    // The workers this instance holds claims for hear the signal above; only the others need their bells.
    await services.doorbell.ring(workers, services.claimsHeldHere.workers());
  } catch (thrown) {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    services.log.warn('the doorbell did not ring: idle workers find the work at their next claim', {
      error: error.message,
      ...(error.cause instanceof Error ? { cause: error.cause.message } : {}),
    });
  }
}

/** One execution just became pending: its task is for the workers it names, unless any worker may take it. */
export function workOf(execution: Pick<Execution, 'useAnyWorker' | 'allowedWorkerIds'>): NewWork {
  return execution.useAnyWorker ? anyWorker : { workerAgentIds: execution.allowedWorkerIds };
}
