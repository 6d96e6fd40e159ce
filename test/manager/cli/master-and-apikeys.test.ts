import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMasterStatus, listApiKeys } from '../../../contracts/management/endpoints.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { until } from '../../support/until.js';
import { lines, masterEnv, runInProcess, type CliRunOptions } from './harness.js';

const escape = '\u001b[';

describe('scaleout master and apikey', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  const cli = (args: string[], options: CliRunOptions = {}) => runInProcess(args, { env, ...options });

  beforeAll(async () => {
    // A failed queue message shows again at once, so that its five tries take moments (30 s each in Azure).
    master = await startTestMaster({ env: { AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:00' } });
    env = masterEnv(master);
  });
  afterAll(async () => {
    await master?.stop();
  });

  it('connect asks for the API key without echo on a terminal, and refuses to guess without one', async () => {
    const config = join(master.folder, 'connect-config.json');
    const connectArgs = ['connect', master.url, '--thumbprint', master.host.certificateThumbprint];
    const asked = await runInProcess(connectArgs, { env: { SCALEOUT_CONFIG: config }, interactive: true, answers: [master.adminKey] });
    expect(asked.questions).toEqual(['API key: ']);
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('Scale Out is not enabled yet: scaleout master enable');
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ apiKey: master.adminKey });

    const scripted = await runInProcess(connectArgs, { env: { SCALEOUT_CONFIG: config } });
    expect(scripted.code).toBe(2);
    expect(lines(scripted.stderr)).toEqual([
      'error: give the API key: --api-key-stdin (reads it from stdin), --api-key, or SCALEOUT_API_KEY',
    ]);

    const wrongPin = await runInProcess(['connect', master.url, '--thumbprint', 'ab'.repeat(20), '--api-key', master.adminKey], {
      env: { SCALEOUT_CONFIG: config },
    });
    expect(wrongPin.code).toBe(3);
    expect(lines(wrongPin.stderr)).toEqual([
      `error: refused the master at ${master.url}: the master's certificate (SHA-1 ${master.host.certificateThumbprint}) is not the pinned one ` +
        `(MasterHttpsCertThumbprint ${'ab'.repeat(20)}); if its certificate was renewed, check the new thumbprint and pin it: ` +
        `scaleout connect ${master.url} --thumbprint <SHA-1>`,
    ]);

    const both = await runInProcess([...connectArgs, '--trust-on-first-use', '--api-key', 'x'], { env: { SCALEOUT_CONFIG: config } });
    expect(both.code).toBe(2);
    expect(lines(both.stderr)).toEqual(['error: give --thumbprint or --trust-on-first-use, not both']);
  });

  it('master status shows Scale Out not enabled until master enable (enable_scaleout)', async () => {
    const before = await cli(['master', 'status']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^Scale Out +not enabled \(scaleout master enable\)$/m);
    expect(before.stdout).toMatch(new RegExp(`^Master +${master.url}$`, 'm'));
    expect(before.stdout).toMatch(new RegExp(`^Certificate +${master.host.certificateThumbprint}$`, 'm'));
    expect(before.stdout).toMatch(/^Workers +0 online, 0 offline, 0 disabled \(0 in all\)$/m);

    const enabled = await cli(['master', 'enable']);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toBe(`Scale Out is enabled on ${master.url}.\n`);

    const after = await cli(['master', 'status', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ isScaleOutEnabled: true });
    expect((await master.admin(getMasterStatus, {})).isScaleOutEnabled).toBe(true);
  });

  it('master redrive lists the poison messages, and with --yes puts them back for their trigger', async () => {
    const poisonQueue = `${master.host.services.eventQueue.name}-poison`;
    const queue = master.host.services.eventQueue;
    // Not a batch this master wrote: the trigger sets it aside after five tries, and again once re-driven.
    await queue.send('{"v":1}');
    const status = await until('the message to be set aside', async () => {
      const shown = await cli(['master', 'status']);
      return /^Poison messages +1 \(scaleout master redrive\)$/m.test(shown.stdout) && shown;
    }, { timeoutMs: 240_000, intervalMs: 500 });
    expect(status.code).toBe(0);

    const listed = await cli(['master', 'redrive']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${poisonQueue} (storeEventMessages): 1 message\n`);
    expect(listed.stdout).toContain('{"v":1}');
    expect(listed.stdout).toContain("Put them back with 'scaleout master redrive --yes'.");

    const redriven = await cli(['master', 'redrive', '--yes']);
    expect(redriven.code).toBe(0);
    expect(lines(redriven.stdout)).toEqual([`${queue.name}: 1 message put back`]);
    // At once again: the message is back on its queue, none is left aside.
    expect(lines((await cli(['master', 'redrive', '--yes'])).stdout)).toEqual(['No poison message to put back.']);
  }, 300_000);

  it('colors only on a terminal, and never with NO_COLOR or --json', async () => {
    const terminal = await cli(['master', 'status'], { tty: true });
    expect(terminal.stdout).toContain(escape);
    const noColor = await cli(['master', 'status'], { tty: true, env: { ...env, NO_COLOR: '1' } });
    expect(noColor.stdout).not.toContain(escape);
    const json = await cli(['master', 'status', '--json'], { tty: true });
    expect(json.stdout).not.toContain(escape);
    expect(JSON.parse(json.stdout)).toMatchObject({ isScaleOutEnabled: true });
  });

  it('apikey create prints the secret once, alone on stdout, and the key works with its role', async () => {
    const created = await cli(['apikey', 'create', '--name', 'reporting', '--role', 'reader']);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^so_[a-z0-9]{12}_\S+$/);
    expect(lines(created.stdout)).toHaveLength(1);
    expect(created.stderr).toContain('with the reader role');
    expect(created.stderr).toContain('shown this once');
    const keyId = secret.split('_')[1]!;

    const asReader = { ...env, SCALEOUT_API_KEY: secret };
    expect((await cli(['worker', 'list'], { env: asReader })).code).toBe(0);
    const forbidden = await cli(['master', 'enable'], { env: asReader });
    expect(forbidden.code).toBe(5);
    expect(lines(forbidden.stderr)).toEqual([`error: this needs the admin role; apikey:${keyId} has reader`]);

    const listed = await cli(['apikey', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${keyId} +reporting +reader +just now by apikey:`, 'm'));
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).toContain('* the key this CLI uses');
  });

  it('apikey revoke asks first, then the key stops working (exit 5)', async () => {
    const created = await cli(['apikey', 'create', '--name', 'temporary', '--role', 'executor', '--json']);
    const { apiKey, secret } = JSON.parse(created.stdout) as { apiKey: { apiKeyId: string }; secret: string };

    const refused = await cli(['apikey', 'revoke', apiKey.apiKeyId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');

    const revoked = await cli(['apikey', 'revoke', apiKey.apiKeyId], { interactive: true, answers: ['yes'] });
    expect(revoked.questions).toEqual([`Revoke API key ${apiKey.apiKeyId} (temporary, executor)? [y/N] `]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`Revoked API key ${apiKey.apiKeyId} (temporary).\n`);
    expect((await master.admin(listApiKeys, {})).apiKeys.find((k) => k.apiKeyId === apiKey.apiKeyId)?.revokedTime).not.toBeNull();

    const after = await cli(['worker', 'list'], { env: { ...env, SCALEOUT_API_KEY: secret } });
    expect(after.code).toBe(5);
    expect(after.stderr).toMatch(/^error: this API key was revoked/);
  });

  it('apikey: an unknown key is 4, a bad role is a usage error', async () => {
    const unknown = await cli(['apikey', 'revoke', 'nosuchkey000', '--yes']);
    expect(unknown.code).toBe(4);
    expect(lines(unknown.stderr)).toEqual(["error: API key 'nosuchkey000' was not found (scaleout apikey list shows them)"]);

    const badRole = await cli(['apikey', 'create', '--name', 'x', '--role', 'root']);
    expect(badRole.code).toBe(2);
    expect(lines(badRole.stderr)).toEqual(["error: option '--role <role>' argument 'root' is invalid. Allowed choices are reader, executor, admin."]);

    const noName = await cli(['apikey', 'create', '--role', 'reader']);
    expect(noName.code).toBe(2);
    expect(lines(noName.stderr)).toEqual(["error: required option '--name <name>' not specified"]);
  });
});
