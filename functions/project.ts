import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the project's package.json, found from this file whether it runs compiled or not. */
export function projectRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'scaleout') {
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error('cannot find the scaleout package.json above ' + fileURLToPath(import.meta.url));
    folder = parent;
  }
}

export function projectVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
