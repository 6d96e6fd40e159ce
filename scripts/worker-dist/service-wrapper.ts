import { join } from 'node:path';
import type { ServiceWrapperFile } from '../../worker-agent/cli/service-wrapper-files.js';
import { filesFromNpmPackage } from './npm-registry-files.js';

/**
 * WinSW 1.17 (MIT), the Windows service wrapper, as the npm registry's node-windows package (MIT, no `engines`)
 * carries it in bin/winsw/; only those two files are taken, none of node-windows' own code (docs/adr/0005).
 */
const nodeWindows = 'node-windows@0.1.14';

/** The wrapper's files by the name the agent reads them under, in the cache like the Node.js builds. */
export async function serviceWrapperFiles(root: string, cacheFolder: string): Promise<Record<ServiceWrapperFile, string>> {
  const [exe, config] = await filesFromNpmPackage(
    nodeWindows,
    ['package/bin/winsw/winsw.exe', 'package/bin/winsw/winsw.exe.config'],
    join(cacheFolder, nodeWindows),
    cacheFolder,
  );
  return { 'WinSW.exe': exe!, 'WinSW.exe.config': config!, 'WinSW-LICENSE.txt': join(root, 'scripts/worker-dist/WinSW-LICENSE.txt') };
}
