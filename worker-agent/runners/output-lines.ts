import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a stream's bytes into lines (`\n` or `\r\n`), decoding UTF-8 across chunk boundaries. A line longer than
 * `maxLength` is cut into pieces, so a package that prints megabytes without a newline cannot exhaust memory.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLength: number,
  ) {}

  push(chunk: Buffer): void {
    this.#take(this.#decoder.write(chunk));
  }

  /** The last line, even without a trailing newline. */
  end(): void {
    this.#take(this.#decoder.end());
    if (this.#pending.length > 0) this.onLine(this.#pending);
    this.#pending = '';
  }

  #take(text: string): void {
    const rest = this.#pending + text;
    let start = 0;
    for (let newline = rest.indexOf('\n'); newline !== -1; newline = rest.indexOf('\n', start)) {
      const end = newline > start && rest[newline - 1] === '\r' ? newline - 1 : newline;
      this.#emit(rest.slice(start, end));
      start = newline + 1;
    }
    let tail = rest.slice(start);
    while (tail.length > this.maxLength) {
      this.onLine(tail.slice(0, this.maxLength));
      tail = tail.slice(this.maxLength);
    }
    this.#pending = tail;
  }

  #emit(line: string): void {
    if (line.length <= this.maxLength) return this.onLine(line);
    for (let start = 0; start < line.length; start += this.maxLength) this.onLine(line.slice(start, start + this.maxLength));
  }
}
