import { build } from 'esbuild';
import { join, relative, sep } from 'node:path';

export interface AgentBundle {
  /** The CommonJS bundle the single-file executables run. */
  file: string;
  /** The npm packages the agent imports (first path segment(s) under node_modules), from esbuild's metafile. */
  packages: string[];
}

/** The package name of a node_modules path: `node_modules/@scope/name/…` or `node_modules/name/…`. */
function packageOf(input: string): string {
  const parts = input.slice(input.lastIndexOf('node_modules/') + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * Bundles the agent (worker-agent/ and contracts/, nothing else of the project) with its dependencies into one
 * CommonJS file, as a single executable application needs. Fails when the agent reaches into the master or the
 * manager, or needs a native module: the executable could not carry either.
 */
export async function bundleAgent(root: string, outFile: string, version: string): Promise<AgentBundle> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'worker-agent/cli/single-file-main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    metafile: true,
    logLevel: 'warning',
    // Dependencies' ESM builds call createRequire(import.meta.url) (@azure/storage-common's crc64), which CommonJS
    // lacks: the bundle's own file URL stands in for it.
    banner: { js: "const bundleFileUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { SCALEOUT_BUNDLED_AGENT_VERSION: JSON.stringify(version), 'import.meta.url': 'bundleFileUrl' },
  });
  const inputs = Object.keys(result.metafile.inputs);
  const native = inputs.filter((input) => input.endsWith('.node'));
  if (native.length > 0) throw new Error(`the agent needs native modules, which a single-file executable cannot carry: ${native.join(', ')}`);
  const outside = inputs.filter((input) => !input.includes('node_modules/') && !/^(worker-agent|contracts)\//.test(relative(root, join(root, input)).split(sep).join('/')));
  if (outside.length > 0) throw new Error(`the agent imports files outside worker-agent/ and contracts/: ${outside.join(', ')}`);
  const packages = [...new Set(inputs.filter((input) => input.includes('node_modules/')).map(packageOf))].sort();
  return { file: outFile, packages };
}
