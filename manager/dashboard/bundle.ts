import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

/**
 * Where the bundle goes, relative to the project root. The master serves this folder
 * (functions/handlers/dashboard.ts names it too: the master may not import the manager).
 */
export const dashboardOutputFolder = join('dist', 'manager', 'dashboard', 'public');

const sourceFolder = join('manager', 'dashboard', 'web');

/** What the last bundle was made of (every input's SHA-256) and what it wrote: beside the output, not in it. */
const stampFile = join('dist', 'manager', 'dashboard', 'bundle-inputs.json');

interface BundleStamp {
  inputs: Record<string, string>;
  files: string[];
}

export interface BundleResult {
  /** The files of the bundle, relative to the output folder. */
  files: string[];
  /** False when every input was as the last bundle found it, so nothing was written. */
  rebuilt: boolean;
}

/**
 * Bundles the dashboard with esbuild: one script and one stylesheet, named by content hash so the master can let
 * browsers cache them for good, and an index.html that names them. Incremental, as tsc is: when no input changed
 * since the last bundle (the sources esbuild read, the page, this bundler) the output is left as it is, so a
 * master serving it never sees it vanish and reappear.
 */
export async function bundleDashboard(projectRoot: string): Promise<BundleResult> {
  const source = join(projectRoot, sourceFolder);
  const output = join(projectRoot, dashboardOutputFolder);
  const stampPath = join(projectRoot, stampFile);
  const previous = readStamp(stampPath);
  if (previous && previous.files.every((file) => existsSync(join(output, file))) && sameInputs(projectRoot, previous.inputs)) {
    return { files: previous.files, rebuilt: false };
  }
  // Old hashed files would pile up otherwise.
  rmSync(output, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: { app: join(source, 'main.ts'), styles: join(source, 'styles.css') },
    entryNames: '[name]-[hash]',
    outdir: join(output, 'assets'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    tsconfig: join(source, 'tsconfig.json'),
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const assets = Object.entries(result.metafile.outputs)
    .filter(([, meta]) => meta.entryPoint !== undefined)
    .map(([path]) => basename(path));
  const named = (prefix: string, extension: string): string => {
    const found = assets.find((name) => name.startsWith(`${prefix}-`) && name.endsWith(extension));
    if (!found) throw new Error(`esbuild wrote no ${prefix}-*${extension}`);
    return found;
  };
  const html = readFileSync(join(source, 'index.html'), 'utf8')
    .replace('{{app.js}}', `/assets/${named('app', '.js')}`)
    .replace('{{styles.css}}', `/assets/${named('styles', '.css')}`);
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'index.html'), html);
  copyFileSync(join(source, 'favicon.svg'), join(output, 'favicon.svg'));
  const files = ['index.html', 'favicon.svg', ...Object.keys(result.metafile.outputs).map((path) => `assets/${basename(path)}`)];
  const inputs = [
    ...Object.keys(result.metafile.inputs),
    join(sourceFolder, 'index.html'),
    join(sourceFolder, 'favicon.svg'),
    join(sourceFolder, 'tsconfig.json'),
    // This file: changing how it bundles must bundle again.
    join('manager', 'dashboard', 'bundle.ts'),
  ];
  const stamp: BundleStamp = { inputs: Object.fromEntries(inputs.map((input) => [input, hashOf(join(projectRoot, input))])), files };
  writeFileSync(stampPath, `${JSON.stringify(stamp, null, 2)}\n`);
  return { files, rebuilt: true };
}

function readStamp(path: string): BundleStamp | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as BundleStamp;
  } catch {
    return undefined;
  }
}

function sameInputs(projectRoot: string, inputs: Record<string, string>): boolean {
  return Object.entries(inputs).every(([input, hash]) => {
    const path = join(projectRoot, input);
    return existsSync(path) && hashOf(path) === hash;
  });
}

function hashOf(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
