import type { Readable } from 'node:stream';

/** Calls `onLine` with each complete line the stream carries (and the last, unterminated one at its end). */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
    pending = '';
  });
}

/** The last `size` lines seen, for an error message when a process fails. */
export class LineTail {
  readonly #lines: string[] = [];

  constructor(private readonly size = 40) {}

  push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.size) this.#lines.shift();
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}
