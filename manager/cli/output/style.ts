/** ANSI styles, or plain text when colors are off (no terminal, --json, NO_COLOR). */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const escape = String.fromCharCode(27);
const sgr = (open: number, close: number) => (text: string) => `${escape}[${open}m${text}${escape}[${close}m`;

export const plainStyle: Style = {
  bold: (t) => t,
  dim: (t) => t,
  red: (t) => t,
  green: (t) => t,
  yellow: (t) => t,
  cyan: (t) => t,
};

export const ansiStyle: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

/** Colors follow https://no-color.org: only on a terminal, never when NO_COLOR is set or TERM is dumb. */
export function colorsWanted(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY && (env['NO_COLOR'] ?? '') === '' && env['TERM'] !== 'dumb';
}

const ansiPattern = new RegExp(`${escape}\\[[0-9;]*m`, 'g');

/** Length as shown on screen, without color codes. */
export function visibleLength(text: string): number {
  return text.replace(ansiPattern, '').length;
}
