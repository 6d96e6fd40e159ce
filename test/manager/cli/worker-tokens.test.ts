import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnrollmentToken } from '../../../contracts/enrollment.js';
import { createApiKey, listEnrollmentTokens } from '../../../contracts/management/endpoints.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { lines, masterEnv, runInProcess } from './harness.js';

describe('scaleout worker token', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  const cli = (args: string[], extraEnv: Record<string, string> = {}) => runInProcess(args, { env: { ...env, ...extraEnv } });

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    env = masterEnv(master);
  });
  afterAll(async () => {
    await master?.stop();
  });

  it('create prints the one join command on stdout, with what joined workers get on stderr', async () => {
    const result = await cli(['worker', 'token', 'create', '--uses', '3', '--expires', '2h', '--tags', 'linux, etl', '--max-task-count', '4', '--enable']);
    expect(result.code).toBe(0);
    const [command] = lines(result.stdout);
    const match = /^scaleout-worker join (\S+) --token (\S+)$/.exec(command ?? '');
    expect(match?.[1]).toBe(master.host.services.config.masterAddress);
    const token = parseEnrollmentToken(match![2]!);
    expect(token?.masterCertificateSha256).toBe(master.host.services.tlsCertificate!.thumbprintSha256);
    expect(result.stderr).toContain(`Created enrollment token ${token!.tokenId}: 3 workers may join with it until`);
    expect(result.stderr).toContain('tags linux, etl, MaxTaskCount 4, enabled');
    expect(result.stderr).toContain('shown this once');
    const stored = (await master.admin(listEnrollmentTokens, {})).tokens.find((t) => t.tokenId === token!.tokenId);
    expect(stored).toMatchObject({ maxUses: 3, tags: ['linux', 'etl'], maxTaskCount: 4, enableWorker: true });
    expect(Date.parse(stored!.expiresTime) - Date.parse(stored!.createdTime)).toBe(2 * 3_600_000);
  });

  it('list shows uses and status, never the token; revoke ends it', async () => {
    const created = await cli(['worker', 'token', 'create', '--json']);
    const { token, secret } = JSON.parse(created.stdout) as { token: { tokenId: string }; secret: string };
    const listed = await cli(['worker', 'token', 'list']);
    expect(listed.code).toBe(0);
    const row = lines(listed.stdout).find((line) => line.startsWith(token.tokenId));
    expect(row).toMatch(/active +0\/1 +in (59 min|1 h 00 min)/);
    expect(row).toContain('no tags, MaxTaskCount default, disabled');
    expect(listed.stdout).not.toContain(parseEnrollmentToken(secret)!.secretPart);

    const revoked = await cli(['worker', 'token', 'revoke', token.tokenId, '--yes']);
    expect(revoked.stdout).toContain(`Revoked enrollment token ${token.tokenId} (used 0 of 1 times).`);
    expect(lines((await cli(['worker', 'token', 'list'])).stdout).find((line) => line.startsWith(token.tokenId))).toContain('revoked');
  });

  it('refuses bad options naming them, and a key that is not an admin', async () => {
    const tooLong = await cli(['worker', 'token', 'create', '--expires', '8d']);
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toContain('--expires');
    const badTag = await cli(['worker', 'token', 'create', '--tags', 'bad tag!']);
    expect(badTag.code).not.toBe(0);
    expect(badTag.stderr).toContain('--tags');
    const notDuration = await cli(['worker', 'token', 'create', '--expires', 'soon']);
    expect(notDuration.code).not.toBe(0);
    expect(notDuration.stderr).toMatch(/--expires.*duration/);
    const { secret: readerKey } = await master.admin(createApiKey, { body: { name: 'reader', role: 'reader' } });
    const asReader = await cli(['worker', 'token', 'create'], masterEnv(master, readerKey));
    expect(asReader.code).not.toBe(0);
    expect(asReader.stderr).toMatch(/admin/);
  });
});
