#!/usr/bin/env node
// `scaleout`: the manager CLI (SSIS Scale Out Manager). Runs the compiled CLI (`npm run build` creates dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/manager/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('error: scaleout is not built yet: run `npm run build` in the project folder first.');
  process.exit(3);
}
await import(entry.href);
