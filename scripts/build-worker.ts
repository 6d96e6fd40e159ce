import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../functions/project.js';
import { buildWorker } from './worker-dist/build.js';

/**
 * `npm run build:worker [-- --out <folder>] [-- --platform linux-x64]`: the npm package and single-file executables
 * of the agent, in dist/worker/ by default (docs/adr/0004 says why single-file executables, and how they are made).
 */
const { values } = parseArgs({ options: { out: { type: 'string' }, platform: { type: 'string', multiple: true } } });
const root = projectRoot();
const listing = await buildWorker({
  root,
  outFolder: resolve(values.out ?? join(root, 'dist/worker')),
  cacheFolder: join(root, 'node_modules/.cache/scaleout-worker-node'),
  ...(values.platform ? { platforms: values.platform } : {}),
});
const { downloads } = JSON.parse(await readFile(listing, 'utf8')) as { downloads: { fileName: string; size: number; sha256: string }[] };
for (const download of downloads) console.log(`${download.fileName}  ${(download.size / 2 ** 20).toFixed(1)} MiB  sha256 ${download.sha256}`);
