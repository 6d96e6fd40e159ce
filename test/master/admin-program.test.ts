import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listApiKeys } from '../../contracts/management/endpoints.js';
import { projectRoot } from '../../functions/project.js';
import { startTestMaster } from '../support/test-master.js';

const run = promisify(execFile);

/** `scaleout-master` as an operator runs it, before any master started: a child process on a fresh folder. */
async function scaleoutMaster(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(projectRoot(), 'bin', 'scaleout-master.js'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('scaleout-master apikey create: the first admin key, straight in the catalog', () => {
  it('migrates a new catalog, writes the key to a file only its owner reads, and the master then accepts it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'scaleout-admin-'));
    const env = { SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite') };
    const keyFile = join(folder, 'admin.key');

    const created = await scaleoutMaster(['apikey', 'create', '--name', 'first admin', '--out', keyFile], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('');
    expect(created.stderr).toMatch(/^Created API key \S+ \(first admin\) with the admin role in the SQLite catalog .*catalog\.sqlite\.\nWrote it to .*admin\.key \(readable by you only\)\./);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^so_[a-z0-9]+_\S+$/);

    // A second key on stdout alone (for `| tee`, a secret store…); an existing file is never overwritten.
    const again = await scaleoutMaster(['apikey', 'create', '--name', 'ops', '--role', 'reader', '--out', keyFile], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Could not write ${keyFile}`);
    expect(again.stdout.trim()).toMatch(/^so_[a-z0-9]+_\S+$/);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);

    const master = await startTestMaster({ folder });
    try {
      const { apiKeys } = await master.as(key)(listApiKeys, {});
      expect(apiKeys.map((k) => [k.name, k.role]).sort()).toEqual([
        ['first admin', 'admin'],
        ['ops', 'reader'],
        ['test admin', 'admin'],
      ]);
    } finally {
      await master.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses bad input with the field and the reason, and exit code 2', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'scaleout-admin-'));
    const env = { SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite') };

    const blank = await scaleoutMaster(['apikey', 'create', '--name', '  '], env);
    expect(blank).toMatchObject({ code: 2, stdout: '' });
    expect(blank.stderr).toContain('--name: give 1 to 128 characters');

    const role = await scaleoutMaster(['apikey', 'create', '--name', 'x', '--role', 'owner'], env);
    expect(role).toMatchObject({ code: 2, stdout: '' });
    expect(role.stderr).toMatch(/option '--role <role>' argument 'owner' is invalid\. Allowed choices are reader, executor, admin/);

    const setting = await scaleoutMaster(['apikey', 'create', '--name', 'x'], { ...env, SCALEOUT_CATALOG_CONECTION: 'Server=x' });
    expect(setting).toMatchObject({ code: 2, stdout: '' });
    expect(setting.stderr).toContain('SCALEOUT_CATALOG_CONECTION: unknown setting');
    rmSync(folder, { recursive: true, force: true });
  });
});
