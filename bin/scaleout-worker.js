#!/usr/bin/env node
// `scaleout-worker`: the SSIS Scale Out worker agent. Runs the compiled CLI (`npm run build` creates dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/worker-agent/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('scaleout-worker is not built yet: run `npm run build` in the project folder first.');
  process.exit(1);
}
await import(entry.href);
