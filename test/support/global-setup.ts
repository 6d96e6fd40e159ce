import { execFileSync } from 'node:child_process';

/**
 * Tests that start real processes (local host, worker agents, CLI) run the compiled code in `dist/`, exactly what
 * ships. Compile it once, incrementally, before any test runs.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
