import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWorkers, revokeApiKey } from '../../contracts/management/endpoints.js';
import { ensureAdminKey } from '../../scripts/onebox/admin-key.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';

describe("the one-box's admin API key", () => {
  let master: TestMaster;
  let keyFile: string;

  beforeAll(async () => {
    master = await startTestMaster();
    keyFile = join(master.folder, 'admin-api-key');
  });
  afterAll(async () => {
    await master?.stop();
  });

  it('is created on the first start in a file only its owner reads, then reused while the catalog accepts it', async () => {
    const first = await ensureAdminKey(master.host.services.catalog, keyFile);
    expect(first).toMatchObject({ created: true, file: keyFile });
    expect(first.replaced).toBeUndefined();
    expect(readFileSync(keyFile, 'utf8')).toBe(`${first.secret}\n`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    await expect(master.as(first.secret)(listWorkers, {})).resolves.toBeDefined();

    const again = await ensureAdminKey(master.host.services.catalog, keyFile);
    expect(again).toMatchObject({ created: false, secret: first.secret, apiKeyId: first.apiKeyId });
  });

  it('is replaced, saying why, when the stored one was revoked or is not a key', async () => {
    const stored = await ensureAdminKey(master.host.services.catalog, keyFile);
    await master.admin(revokeApiKey, { params: { apiKeyId: stored.apiKeyId } });
    const afterRevoke = await ensureAdminKey(master.host.services.catalog, keyFile);
    expect(afterRevoke).toMatchObject({ created: true, replaced: 'the stored key was revoked' });
    expect(afterRevoke.secret).not.toBe(stored.secret);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(afterRevoke.secret);

    writeFileSync(keyFile, 'not a key\n');
    const afterDamage = await ensureAdminKey(master.host.services.catalog, keyFile);
    expect(afterDamage).toMatchObject({ created: true, replaced: 'the stored key is not an API key' });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });
});
