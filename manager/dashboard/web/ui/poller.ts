/**
 * Auto-refresh: runs `tick` at once, then again `intervalMs` after each run ends (never two at a time), while
 * the page is open. A hidden tab does not poll the master; it refreshes as soon as it is shown again.
 */
export interface Poller {
  /** Refresh now (after an action), instead of waiting for the next tick. */
  now(): void;
}

export function poll(signal: AbortSignal, intervalMs: () => number, tick: () => Promise<void>): Poller {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;

  const run = async (): Promise<void> => {
    if (signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = true;
    try {
      await tick();
    } finally {
      running = false;
    }
    if (signal.aborted) return;
    if (again) {
      again = false;
      void run();
      return;
    }
    timer = setTimeout(() => {
      if (!document.hidden) void run();
    }, intervalMs());
  };

  document.addEventListener(
    'visibilitychange',
    () => {
      if (!document.hidden) void run();
    },
    { signal },
  );
  signal.addEventListener('abort', () => clearTimeout(timer));
  void run();
  return { now: () => void run() };
}
