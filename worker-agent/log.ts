/** The agent's own log: what it does, not the packages' output (that goes to the master as event messages). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** Where formatted lines go: stdout, a rolling file, a test's array. */
export type LogSink = (line: string, level: LogLevel) => void;

/** A logger that stamps each line with the time and level and hands it to every sink. */
export function createLogger(sinks: LogSink[], now: () => number = Date.now): Logger {
  const write = (level: LogLevel, message: string): void => {
    const line = `${new Date(now()).toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
    for (const sink of sinks) sink(line, level);
  };
  return {
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
  };
}

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};
