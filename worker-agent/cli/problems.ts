import type { SettingProblem } from '../config/settings.js';

/** Exit code for a configuration that cannot work (sysexits EX_CONFIG); the service unit does not restart on it. */
export const exitConfigError = 78;

/** Every problem, one per line, named by setting, under a heading that says what it stopped. */
export function formatProblems(heading: string, problems: readonly SettingProblem[]): string {
  return [heading, ...problems.map((p) => `  - ${p.setting}: ${p.reason}`)].join('\n');
}

/** A value safe to paste as one argument: into PowerShell on Windows, into a POSIX shell elsewhere. */
export function shellQuote(value: string, platform: NodeJS.Platform): string {
  const plain = platform === 'win32' ? /^[A-Za-z0-9_./:=@%+,\\-]+$/ : /^[A-Za-z0-9_./:=@%+,-]+$/;
  if (plain.test(value)) return value;
  return platform === 'win32' ? `'${value.replace(/'/g, "''")}'` : `'${value.replace(/'/g, `'"'"'`)}'`;
}
