import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from './errors.js';
import { realClock, type CliIO } from './io.js';
import { runCli } from './program.js';
import { promptOnTerminal, readAllStdin } from './terminal.js';

/**
 * `scaleout`: the composition root. Wires the real process (streams, environment, terminal, Ctrl-C) into the
 * CLI and sets the exit code; everything else is in program.ts and commands/.
 */
const interrupt = new AbortController();
process.on('SIGINT', () => {
  // The first Ctrl-C stops what is under way (a wait stops waiting); a second one exits at once.
  if (interrupt.signal.aborted) process.exit(ExitCode.interrupted);
  interrupt.abort();
});
// `scaleout execution list | head`: a closed pipe is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const io: CliIO = {
  stdout: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
  stderr: { write: (text) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true },
  env: process.env,
  cwd: process.cwd(),
  interactive: process.stdin.isTTY === true,
  readStdin: readAllStdin,
  prompt: promptOnTerminal,
  clock: realClock,
  signal: interrupt.signal,
  platform: process.platform,
  homedir: homedir(),
};

process.exitCode = await runCli(process.argv.slice(2), io, { version: packageVersion() });

/** The version in the package.json above this file (dist/manager/cli/ when built, manager/cli/ in source). */
function packageVersion(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'scaleout' && manifest.version) return manifest.version;
    } catch {
      // Not here: look one folder up.
    }
    folder = dirname(folder);
  }
  return 'unknown';
}
