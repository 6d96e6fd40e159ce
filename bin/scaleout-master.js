#!/usr/bin/env node
// `scaleout-master`: administration of the master that goes straight to the catalog (the first admin API key).
// Runs the compiled program (`npm run build` creates dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/functions/admin/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('scaleout-master is not built yet: run `npm run build` in the project folder first.');
  process.exit(1);
}
await import(entry.href);
