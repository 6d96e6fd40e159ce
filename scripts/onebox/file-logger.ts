import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../functions/http/api-request.js';

/**
 * The one-box master's log: every line in a file (its requests and timers would drown the terminal), warnings and
 * errors also on the terminal through `echo`.
 */
export function fileLogger(path: string, echo: (line: string) => void): Logger & { close(): void } {
  mkdirSync(dirname(path), { recursive: true });
  const file = createWriteStream(path, { flags: 'a' });
  const write = (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>): void => {
    const line = `${level} ${message}${details ? ` ${JSON.stringify(details)}` : ''}`;
    file.write(`${new Date().toISOString()} ${line}\n`);
    if (level !== 'info') echo(line);
  };
  return {
    info: (message, details) => write('info', message, details),
    warn: (message, details) => write('warn', message, details),
    error: (message, details) => write('error', message, details),
    close: () => file.end(),
  };
}
