import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getRawAsset } from 'node:sea';
import { inSingleFile } from '../single-file.js';

/**
 * The Windows service wrapper the agent ships: WinSW (MIT), from the npm registry's node-windows package (see
 * docs/adr/0005). Each name is a file in the npm package's winsw/ folder and an asset of the single-file executable.
 */
export const serviceWrapperFiles = ['WinSW.exe', 'WinSW.exe.config', 'WinSW-LICENSE.txt'] as const;
export type ServiceWrapperFile = (typeof serviceWrapperFiles)[number];

/** Where the npm package keeps them: winsw/ at the package root (three folders above dist/worker-agent/cli/). */
const packageFolder = new URL('../../../winsw/', import.meta.url);

/** The wrapper's files, from the single-file executable's assets or the npm package; undefined where this install has none (a source checkout). */
export async function readServiceWrapperFiles(): Promise<Map<ServiceWrapperFile, Buffer> | undefined> {
  const files = new Map<ServiceWrapperFile, Buffer>();
  if (inSingleFile) {
    for (const name of serviceWrapperFiles) files.set(name, Buffer.from(getRawAsset(name) as ArrayBuffer));
    return files;
  }
  if (!existsSync(fileURLToPath(new URL(serviceWrapperFiles[0], packageFolder)))) return undefined;
  for (const name of serviceWrapperFiles) files.set(name, await readFile(new URL(name, packageFolder)));
  return files;
}
