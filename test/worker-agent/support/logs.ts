import { createLogger, type Logger } from '../../../worker-agent/log.js';

/** A logger whose lines a test can read. */
export function memoryLogger(): Logger & { lines: string[]; count(fragment: string): number } {
  const lines: string[] = [];
  const logger = createLogger([(line) => lines.push(line)]);
  return Object.assign(logger, { lines, count: (fragment: string) => lines.filter((l) => l.includes(fragment)).length });
}
