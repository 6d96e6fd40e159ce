import { packageHostArgument } from '../single-file.js';

/**
 * Entry point of the single-file executable (`npm run build:worker` bundles it): the agent's CLI, or, when the node
 * runner starts the executable again with `--host-node-package`, the host of one `node` package. Both are bundled;
 * only the one asked for is evaluated.
 */
if (process.argv[2] === packageHostArgument) {
  process.argv.splice(2, 1);
  void import('../runners/node-package-host.js');
} else {
  void import('./main.js');
}
