/**
 * Why a running package is stopped before it ends on its own. Every abort carries one, and it decides what is
 * reported: no completion for `lease-lost` (the attempt is no longer ours), `canceled` for a cancel, `failed` for a
 * timeout, `abandoned` (the master may retry elsewhere) for `shutdown` and `master-unreachable`.
 */
export type AbortReason = 'lease-lost' | 'canceled' | 'timeout' | 'shutdown' | 'master-unreachable';

export class TaskAbort extends Error {
  constructor(
    readonly reason: AbortReason,
    message: string,
    /** Kill at once instead of SIGTERM then SIGKILL after the grace period. */
    readonly immediate: boolean,
  ) {
    super(message);
    this.name = 'TaskAbort';
  }
}

/** The abort carried by a signal, if it was aborted with one. */
export function abortOf(signal: AbortSignal): TaskAbort | undefined {
  return signal.aborted && signal.reason instanceof TaskAbort ? signal.reason : undefined;
}
