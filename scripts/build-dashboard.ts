import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDashboard, dashboardOutputFolder } from '../manager/dashboard/bundle.js';

/** `npm run build`, after tsc: bundles the web dashboard into the folder the master serves. */
let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'package.json'))) {
  if (dirname(root) === root) throw new Error('cannot find package.json above ' + fileURLToPath(import.meta.url));
  root = dirname(root);
}
const { files, rebuilt } = await bundleDashboard(root);
if (rebuilt) console.log(`Dashboard bundled into ${dashboardOutputFolder}: ${files.join(', ')}`);
