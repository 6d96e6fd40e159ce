import type { MasterServices } from '../master-services.js';

/** How often a claim held open on the one-box looks at its worker's doorbell (Azurite reads cost nothing). */
const heldClaimBellPollMs = 200;

/**
 * A claim held open on this instance waits for new work: work started here (the in-process signal, in
 * milliseconds), or the worker's doorbell rung by another instance. Resolves with the signal generation to try,
 * or `null` when the time is up or the worker went away. In Azure claims are not held (their wait is 0), so this
 * runs on the one-box only.
 */
export async function waitForWork(
  services: Pick<MasterServices, 'workSignal' | 'doorbell'>,
  workerAgentId: string,
  seenGeneration: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number | null> {
  const { workSignal, doorbell } = services;
  if (!doorbell || timeoutMs <= 0) return workSignal.wait(seenGeneration, timeoutMs, signal);
  const done = new AbortController();
  const stop = (): void => done.abort();
  signal.addEventListener('abort', stop, { once: true });
  const listenToBell = async (): Promise<number | null> => {
    while (!done.signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          done.signal.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, heldClaimBellPollMs);
        done.signal.addEventListener('abort', wake, { once: true });
      });
      if (done.signal.aborted) break;
      // A bell this instance cannot read (never made here, Azurite gone) leaves the in-process signal to wake it.
      if (await doorbell.takeRings(workerAgentId).catch(() => false)) return workSignal.generation;
    }
    return null;
  };
  try {
    return await Promise.race([workSignal.wait(seenGeneration, timeoutMs, done.signal), listenToBell()]);
  } finally {
    done.abort();
    signal.removeEventListener('abort', stop);
  }
}
