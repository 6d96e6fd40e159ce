import { execFile } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface ProjectManifest {
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
}

/**
 * `scaleout-worker-<version>.tgz`: the compiled agent and contracts (from `npm run build`), bin/scaleout-worker.js,
 * the Windows service wrapper in winsw/,
 * a package.json naming only the project dependencies the agent imports (`agentPackages`, from the bundle), at the
 * project's own version ranges, and those dependencies. Packed with `npm pack` from a staging folder under
 * `buildFolder`.
 */
export async function packNpmPackage(
  root: string,
  manifest: ProjectManifest,
  agentPackages: string[],
  wrapperFiles: Record<string, string>,
  buildFolder: string,
  outFolder: string,
): Promise<string> {
  const stage = join(buildFolder, 'npm-package');
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });
  // Only the direct dependencies: the bundle also reaches their own dependencies, which npm installs with them.
  const dependencies = Object.fromEntries(agentPackages.filter((name) => name in manifest.dependencies).map((name) => [name, manifest.dependencies[name]!]));
  const packageJson = {
    name: 'scaleout-worker',
    version: manifest.version,
    description: 'SSIS Scale Out worker agent: polls the Scale Out master over HTTPS and runs the packages it is given on this machine.',
    license: manifest.license,
    type: 'module',
    bin: { 'scaleout-worker': 'bin/scaleout-worker.js' },
    files: ['bin', 'dist', 'winsw', 'README.md'],
    engines: manifest.engines,
    dependencies,
    bundleDependencies: true,
  };
  await writeFile(join(stage, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  await cp(join(root, 'worker-agent/README.md'), join(stage, 'README.md'));
  await cp(join(root, 'bin/scaleout-worker.js'), join(stage, 'bin/scaleout-worker.js'));
  // The Windows service wrapper, where worker-agent/cli/service-wrapper-files.ts looks for it.
  for (const [name, file] of Object.entries(wrapperFiles)) await cp(file, join(stage, 'winsw', name));
  for (const folder of ['worker-agent', 'contracts']) {
    await cp(join(root, 'dist', folder), join(stage, 'dist', folder), {
      recursive: true,
      filter: (source) => !/\.(d\.ts|map|tsbuildinfo)$/.test(source) && !source.includes(`${folder}/test`),
    });
  }
  // The dependencies travel inside the tarball (bundleDependencies), so `npm install -g` on the worker needs no
  // registry. They are installed here from the project's lockfile, offline: the same versions the project tests.
  await cp(join(root, 'package-lock.json'), join(stage, 'package-lock.json'));
  await run('npm', ['install', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: stage, maxBuffer: 16 << 20 });
  await mkdir(outFolder, { recursive: true });
  const { stdout } = await run('npm', ['pack', stage, '--json', '--pack-destination', outFolder], { maxBuffer: 16 << 20 });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (!packed) throw new Error('npm pack packed nothing');
  return join(outFolder, packed.filename);
}
