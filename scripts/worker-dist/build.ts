import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { agentDownloadsListing, type AgentDownloads, type AgentPlatform } from '../../contracts/agent-downloads.js';
import { bundleAgent } from './bundle-agent.js';
import { hostTarget, nodeBinary, seaNodeVersion, seaTargets } from './node-binaries.js';
import { packNpmPackage } from './npm-package.js';
import { serviceWrapperFiles } from './service-wrapper.js';
import { seaBlob, writeSingleFileExecutable } from './single-file-executable.js';

export interface WorkerBuildOptions {
  root: string;
  outFolder: string;
  /** Where the Node.js builds the executables start from are kept between builds. */
  cacheFolder: string;
  /** The executables to build. @default every platform (linux-x64, win-x64) */
  platforms?: string[];
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * The agent as a product, in `outFolder` (emptied first): the npm package scaleout-worker-<version>.tgz, the
 * single-file executables scaleout-worker-<version>-linux-x64 and -win-x64.exe (both carrying the Windows service
 * wrapper, as the npm package does), and downloads.json listing each
 * file's platform, size and SHA-256. Needs `npm run build` first (the npm package holds its compiled agent).
 */
export async function buildWorker(options: WorkerBuildOptions): Promise<string> {
  const { root, outFolder, cacheFolder } = options;
  const unknown = options.platforms?.filter((platform) => !seaTargets.some((target) => target.platform === platform)) ?? [];
  if (unknown.length > 0) throw new Error(`--platform ${unknown.join(', ')}: not one of ${seaTargets.map((target) => target.platform).join(', ')}`);
  const targets = seaTargets.filter((target) => !options.platforms || options.platforms.includes(target.platform));
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Parameters<typeof packNpmPackage>[1];
  const buildFolder = join(outFolder, '.build');
  await rm(outFolder, { recursive: true, force: true });
  await mkdir(buildFolder, { recursive: true });
  const bundle = await bundleAgent(root, join(buildFolder, 'scaleout-worker.cjs'), manifest.version);
  const wrapper = await serviceWrapperFiles(root, cacheFolder);
  const files: { file: string; platform: AgentPlatform }[] = [
    { file: await packNpmPackage(root, manifest, bundle.packages, wrapper, buildFolder, outFolder), platform: 'npm' },
  ];
  const blob = await seaBlob(await nodeBinary(hostTarget(), cacheFolder), bundle.file, wrapper, buildFolder);
  for (const target of targets) {
    const out = join(outFolder, `scaleout-worker-${manifest.version}${target.suffix}`);
    await writeSingleFileExecutable(await nodeBinary(target, cacheFolder), blob, out);
    files.push({ file: out, platform: target.platform });
  }
  await rm(buildFolder, { recursive: true, force: true });
  // What the master hands out (GET /api/v1/agent/downloads) is this listing as written.
  const downloads: AgentDownloads = { agentVersion: manifest.version, nodeVersion: seaNodeVersion, downloads: [] };
  for (const { file, platform } of files) {
    downloads.downloads.push({ fileName: basename(file), platform, size: (await stat(file)).size, sha256: await sha256(file) });
  }
  const listing = join(outFolder, agentDownloadsListing);
  await writeFile(listing, `${JSON.stringify(downloads, null, 2)}\n`);
  return listing;
}
