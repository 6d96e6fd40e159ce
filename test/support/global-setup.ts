import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bundleDashboard } from '../../manager/dashboard/bundle.js';

/**
 * Tests that start real processes (local host, worker agents, CLI) run the compiled code in `dist/`, exactly what
 * ships. Compile it once, incrementally, and bundle the web dashboard the master serves, before any test runs.
 * Its teardown holds the suite to leaving the temporary folder as it found it.
 */
export default async function setup(): Promise<() => void> {
  const before = new Set(readdirSync(tmpdir()));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  await bundleDashboard(process.cwd());
  return () => checkTemporaryFolder(before);
}

/**
 * Fails the run, naming them, when entries appeared in the temporary folder and were not removed. Read when the
 * process exits, after Vitest removed its own folder there. Only this run's os.tmpdir() is compared: set TMPDIR to
 * a folder of its own when other runs share the machine's.
 */
function checkTemporaryFolder(before: Set<string>): void {
  process.once('exit', () => {
    const left = readdirSync(tmpdir()).filter((name) => !before.has(name));
    if (left.length === 0) return;
    process.stderr.write(`\nThe tests left ${left.length} entries in ${tmpdir()}: ${left.sort().join(', ')}\n`);
    process.exitCode = 1;
  });
}
