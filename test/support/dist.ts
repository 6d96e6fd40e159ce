import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** The compiled `dist/` (built by the global setup), for code that runs in child processes. */
export const distFolder = join(import.meta.dirname, '..', '..', 'dist');

/** A `file:` URL to a compiled module, for `import()` in a child process. */
export function distModule(relativePath: string): string {
  return pathToFileURL(join(distFolder, relativePath)).href;
}
