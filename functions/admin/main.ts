import { CommanderError } from 'commander';
import { adminExitCodes, buildAdminProgram } from './program.js';

/** Entry point of `scaleout-master` (bin/scaleout-master.js runs the compiled form of this file). */
const program = buildAdminProgram(
  {
    env: process.env,
    cwd: process.cwd(),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
  (code) => {
    process.exitCode = code;
  },
);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has printed the usage problem (or the help) already.
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode === 0 ? adminExitCodes.ok : adminExitCodes.usage;
}
