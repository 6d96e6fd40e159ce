import { processCliContext } from './cli-context.js';
import { buildProgram } from './program.js';

/** Entry point of `scaleout-worker` (bin/scaleout-worker.js runs the compiled form; the single-file executable bundles it). */
const cli = processCliContext();
void buildProgram(cli, (code) => {
  process.exitCode = code;
}).parseAsync(process.argv);
