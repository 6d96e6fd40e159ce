import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

/**
 * Where the bundle goes, relative to the project root. The master serves this folder
 * (functions/handlers/dashboard.ts names it too: the master may not import the manager).
 */
export const dashboardOutputFolder = join('dist', 'manager', 'dashboard', 'public');

const sourceFolder = join('manager', 'dashboard', 'web');

/**
 * Bundles the dashboard with esbuild: one script and one stylesheet, named by content hash so the master can let
 * browsers cache them for good, and an index.html that names them. Returns the files written, relative to the
 * output folder.
 */
export async function bundleDashboard(projectRoot: string): Promise<string[]> {
  const source = join(projectRoot, sourceFolder);
  const output = join(projectRoot, dashboardOutputFolder);
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
  return ['index.html', 'favicon.svg', ...Object.keys(result.metafile.outputs).map((path) => `assets/${basename(path)}`)];
}
