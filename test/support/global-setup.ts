import { execFileSync } from 'node:child_process';
import { bundleDashboard } from '../../manager/dashboard/bundle.js';

/**
 * Tests that start real processes (local host, worker agents, CLI) run the compiled code in `dist/`, exactly what
 * ships. Compile it once, incrementally, and bundle the web dashboard the master serves, before any test runs.
 */
export default async function setup(): Promise<void> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  await bundleDashboard(process.cwd());
}
