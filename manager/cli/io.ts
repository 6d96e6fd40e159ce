/**
 * Everything a command touches outside itself, passed in so that commands run in-process in tests: the two
 * output streams, the environment, stdin and prompts, a clock, and a signal that fires on Ctrl-C.
 */
export interface TextSink {
  write(text: string): void;
  /** A terminal: colors and progress lines are shown only there. */
  readonly isTTY: boolean;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface CliIO {
  stdout: TextSink;
  stderr: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths given on the command line are resolved. */
  cwd: string;
  /** stdin is a terminal: questions can be asked. */
  readonly interactive: boolean;
  /** All of stdin, for `--api-key-stdin`. */
  readStdin(): Promise<string>;
  /** Asks one question on stderr and reads the answer (hidden with `secret`). */
  prompt(question: string, options?: { secret?: boolean }): Promise<string>;
  clock: Clock;
  /** Fires when the user interrupts (Ctrl-C). */
  signal?: AbortSignal;
  platform: NodeJS.Platform;
  homedir: string;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
