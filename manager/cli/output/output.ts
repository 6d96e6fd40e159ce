import type { CliIO } from '../io.js';
import { ansiStyle, colorsWanted, plainStyle, type Style } from './style.js';
import { formatFields, formatTable, type Column } from './table.js';

/**
 * Where a command writes. Results go to stdout (with --json: the API's JSON and nothing else); notes, progress
 * and prompts go to stderr, so a pipe only ever sees the result.
 */
export class Output {
  readonly style: Style;
  readonly json: boolean;

  constructor(
    private readonly io: CliIO,
    options: { json: boolean },
  ) {
    this.json = options.json;
    this.style = !options.json && colorsWanted(io.stdout.isTTY, io.env) ? ansiStyle : plainStyle;
  }

  /** A line (or block) of human output on stdout. */
  line(text = ''): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The machine answer: JSON on stdout. */
  data(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One JSON value per line (a followed log). */
  dataLine(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A note for the human on stderr: never mixed into the result. */
  note(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
    this.io.stdout.write(formatTable(rows, columns));
  }

  fields(fields: readonly (readonly [string, string | undefined])[]): void {
    this.io.stdout.write(formatFields(fields));
  }
}
