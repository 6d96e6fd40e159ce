import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Files out of one npm registry package (`spec`, name@version; `npm pack` checks its integrity), kept as
 * `folder/<file name>` so that later builds download nothing. Returns their paths, in the order asked.
 */
export async function filesFromNpmPackage(spec: string, pathsInPackage: readonly string[], folder: string, cacheFolder: string): Promise<string[]> {
  const files = pathsInPackage.map((path) => join(folder, path.split('/').at(-1)!));
  if (files.every((file) => existsSync(file))) return files;
  await mkdir(cacheFolder, { recursive: true });
  const scratch = await mkdtemp(join(cacheFolder, 'download-'));
  try {
    console.log(`Downloading ${spec} from the npm registry (once; cached in ${cacheFolder})`);
    const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', scratch], { maxBuffer: 1 << 20 });
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (!packed) throw new Error(`npm pack ${spec} packed nothing`);
    await run('tar', ['-xzf', join(scratch, packed.filename), '-C', scratch, ...pathsInPackage]);
    await mkdir(folder, { recursive: true });
    for (const [index, path] of pathsInPackage.entries()) await rename(join(scratch, path), files[index]!);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return files;
}
