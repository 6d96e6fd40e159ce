import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogSink } from './log.js';

export interface RollingFileOptions {
  /** The current file; older ones are `<path>.1` (newest) to `<path>.<keep>`. */
  path: string;
  /** @default 10 MiB */
  maxBytes?: number;
  /** @default 5 */
  keep?: number;
}

/**
 * A log file that rolls over at a size, keeping a few old files. Writes are synchronous: the agent logs little,
 * and a line written just before a crash is the one you need.
 */
export function rollingFileSink(options: RollingFileOptions): LogSink & { close(): void } {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const keep = options.keep ?? 5;
  mkdirSync(dirname(options.path), { recursive: true });
  let fd = openSync(options.path, 'a');
  let size = fstatSync(fd).size;

  const roll = (): void => {
    closeSync(fd);
    rmSync(`${options.path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${options.path}.${i}`, `${options.path}.${i + 1}`);
      } catch {
        // That generation does not exist yet.
      }
    }
    renameSync(options.path, `${options.path}.1`);
    fd = openSync(options.path, 'a');
    size = 0;
  };

  const sink = (line: string): void => {
    const bytes = Buffer.from(`${line}\n`);
    if (size > 0 && size + bytes.length > maxBytes) roll();
    writeSync(fd, bytes);
    size += bytes.length;
  };
  return Object.assign(sink, { close: () => closeSync(fd) });
}
