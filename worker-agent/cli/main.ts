import { processCliContext } from './cli-context.js';
import { buildProgram } from './program.js';

/** Entry point of `scaleout-worker` (bin/scaleout-worker.js runs the compiled form of this file). */
const cli = processCliContext();
await buildProgram(cli, (code) => {
  process.exitCode = code;
}).parseAsync(process.argv);
