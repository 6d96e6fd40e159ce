import { execFile } from 'node:child_process';
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'postject';

const run = promisify(execFile);

/** The fuse Node.js looks for to know that a blob was injected (Node's single-executable-applications docs). */
export const seaFuse = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** The resource (a PE resource on Windows, an ELF note on Linux) holding the blob. */
export const seaResource = 'NODE_SEA_BLOB';

/**
 * The preparation blob for `bundle`, made by `hostNode` (the same Node.js release the executables carry, which the
 * blob format requires), carrying `assets` (name → file; the agent reads them with node:sea's getRawAsset). No
 * code cache and no snapshot, so that one blob serves every platform.
 */
export async function seaBlob(hostNode: string, bundle: string, assets: Record<string, string>, buildFolder: string): Promise<Buffer> {
  const config = join(buildFolder, 'sea-config.json');
  const output = join(buildFolder, 'scaleout-worker.blob');
  await writeFile(config, JSON.stringify({ main: bundle, output, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, assets }));
  await run(hostNode, ['--experimental-sea-config', config]);
  const blob = await readFile(output);
  await rm(output);
  return blob;
}

/** A copy of `nodeBinary` at `out` carrying `blob`: the single-file executable. */
export async function writeSingleFileExecutable(nodeBinary: string, blob: Buffer, out: string): Promise<void> {
  await rm(out, { force: true });
  await copyFile(nodeBinary, out);
  await chmod(out, 0o755);
  await inject(out, seaResource, blob, { sentinelFuse: seaFuse });
}
