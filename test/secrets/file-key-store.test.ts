import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../functions/clock.js';
import { FileKeyStore } from '../../functions/secrets/file-key-store.js';
import { KeyStoreError } from '../../functions/secrets/key-store-error.js';
import { keyStoreContract } from './key-store-contract.js';

let folder: string;
let clock: ManualClock;

beforeEach(() => {
  folder = join(mkdtempSync(join(tmpdir(), 'scaleout-keys-')), 'keys');
  clock = new ManualClock(Date.UTC(2026, 10, 22, 9));
});

afterEach(() => {
  rmSync(join(folder, '..'), { recursive: true, force: true });
});

describe('key store contract on files', () => {
  it.each(Object.entries(keyStoreContract))('%s', async (_name, scenario) => {
    await scenario({ newStore: () => new FileKeyStore({ folder, clock }), clock });
  });
});

describe('the file key store', () => {
  it.skipIf(process.platform === 'win32')('creates its folder 0700 and every secret file 0600, leaving no temporary files', async () => {
    const store = new FileKeyStore({ folder, clock });
    await store.getDataKey();
    await store.getTokenSigningKey();
    await store.getMasterCertificate(['master.example.test']);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const files = readdirSync(folder).sort();
    expect(files).toEqual(['data-key', 'master-certificate.pem', 'token-signing-key']);
    for (const file of files) expect(statSync(join(folder, file)).mode & 0o777, file).toBe(0o600);
  });

  it('gives processes starting at once the same secrets', async () => {
    // The compiled store (global setup builds dist/), in separate Node processes racing on one folder.
    const module = pathToFileURL(resolve('dist/functions/secrets/file-key-store.js')).href;
    const script = `
      const { FileKeyStore } = await import(${JSON.stringify(module)});
      const store = new FileKeyStore({ folder: process.argv[1] });
      const [key, certificate] = await Promise.all([store.getDataKey(), store.getMasterCertificate(['master.example.test'])]);
      process.stdout.write(key.toString('hex') + ' ' + certificate.thumbprintSha256);`;
    const run = promisify(execFile);
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, ['--input-type=module', '-e', script, folder]).then((r) => r.stdout)),
    );
    expect(new Set(outputs).size).toBe(1);
    expect(outputs[0]).toMatch(/^[0-9a-f]{64} [0-9a-f]{64}$/);
  });

  it('refuses a damaged key instead of replacing it', async () => {
    const store = new FileKeyStore({ folder, clock });
    await store.getDataKey();
    writeFileSync(join(folder, 'data-key'), 'c2hvcnQ=\n');
    await expect(new FileKeyStore({ folder, clock }).getDataKey()).rejects.toBeInstanceOf(KeyStoreError);
    expect(readFileSync(join(folder, 'data-key'), 'utf8')).toBe('c2hvcnQ=\n');
  });
});
