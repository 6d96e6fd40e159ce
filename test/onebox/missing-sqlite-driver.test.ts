import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../functions/project.js';

/** The command lines of this machine's processes that name `text`. */
function processesNaming(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(text)) found.push(commandLine);
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

describe('the one-box master on a machine where npm left out better-sqlite3', () => {
  const folder = mkdtempSync(join(tmpdir(), 'scaleout-no-sqlite-'));

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('says what is missing and what to do, exits 2 and leaves no process behind', async () => {
    // Node resolves better-sqlite3 as it does when the package is not in node_modules.
    writeFileSync(
      join(folder, 'hook.mjs'),
      `export async function resolve(specifier, context, next) {
        if (specifier !== 'better-sqlite3') return next(specifier, context);
        const error = new Error("Cannot find package 'better-sqlite3' imported from " + context.parentURL);
        error.code = 'ERR_MODULE_NOT_FOUND';
        throw error;
      }`,
    );
    writeFileSync(join(folder, 'register.mjs'), `import { register } from 'node:module';\nregister('./hook.mjs', import.meta.url);\n`);
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(folder, 'register.mjs')).href, 'dist/functions/local-host/main.js'], {
      cwd: projectRoot(),
      env: {
        PATH: process.env['PATH'] ?? '',
        SCALEOUT_PORT: '0',
        SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'data', 'catalog.sqlite'),
        SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(2);
    expect(stderr).toContain('SCALEOUT_CATALOG_SQLITE_PATH: the SQLite catalog needs better-sqlite3, which npm did not install');
    expect(stderr).toContain('run `npm install` again');
    expect(stderr).toContain('SCALEOUT_CATALOG_CONNECTION');
    expect(stderr).not.toMatch(/^\s+at /m);
    // The Azurite it had started for its queues is gone with it.
    expect(processesNaming(folder)).toEqual([]);
  });
});
