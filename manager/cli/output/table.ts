import { visibleLength } from './style.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Right-align (numbers). */
  right?: boolean;
}

/** An aligned table, headers first, two spaces between columns, no trailing spaces. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => oneLine(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => visibleLength(line[i]!))));
  const render = (line: string[]): string =>
    line
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - visibleLength(cell));
        if (columns[i]!.right) return pad + cell;
        return i === line.length - 1 ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)].join('\n') + '\n';
}

/** Label/value lines with the values aligned; entries whose value is undefined are left out. */
export function formatFields(fields: readonly (readonly [string, string | undefined])[]): string {
  const shown = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n') + '\n';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
