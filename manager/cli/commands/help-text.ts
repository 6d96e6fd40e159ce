/** The "Examples:" block under a command's help. */
export function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** The SSISDB procedure or view a command stands for, under its description. */
export function ssisdb(counterpart: string): string {
  return `\n\nSSISDB: ${counterpart}`;
}

/** What a command stands for in SQL Server Agent, where SSIS packages were scheduled. */
export function sqlServerAgent(counterpart: string): string {
  return `\n\nSQL Server Agent: ${counterpart}`;
}
