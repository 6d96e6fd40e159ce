import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, callEndpoint } from '../../contracts/client.js';
import { enrollmentRefusals, enrollWorker, parseEnrollmentToken } from '../../contracts/enrollment.js';
import {
  createApiKey,
  createEnrollmentToken,
  listAuditTrail,
  listEnrollmentTokens,
  listWorkers,
  revokeEnrollmentToken,
} from '../../contracts/management/endpoints.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { heartbeat } from '../../contracts/worker-protocol.js';
import { issueEnrollmentToken } from '../../functions/auth/enrollment-tokens.js';
import { dumpCatalog } from '../support/catalog-dump.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity, workerCaller } from '../support/test-worker.js';

const agent = { agentVersion: '0.1.0', os: 'Linux 6.1 x64', machineName: 'joined-box', userAccount: 'svc' };

describe('enrollment tokens and POST /api/v1/agent/enroll', () => {
  let master: TestMaster;
  let transport: NodeHttpsTransport;
  let catalogPath: string;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
    transport = new NodeHttpsTransport({ baseUrl: master.url, pinnedThumbprint: master.host.certificateThumbprint });
    catalogPath = join(master.folder, 'catalog.sqlite');
  });

  afterAll(async () => {
    transport?.close();
    await master?.stop();
  });

  const enroll = async (token: string, commonName: string, extra: { displayName?: string } = {}) => {
    const identity = await createWorkerIdentity(commonName);
    const answer = await callEndpoint(
      transport,
      enrollWorker,
      { body: { certificate: identity.certPem, agent: { ...agent, machineName: commonName }, ...extra } },
      { headers: { authorization: `Bearer ${token}` } },
    );
    return { identity, answer };
  };

  /** The 401 an enrollment gets, and proof that it changed nothing. */
  const refused = async (token: string): Promise<string> => {
    const before = dumpCatalog(catalogPath);
    const error = await enroll(token, 'refused-box').then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(dumpCatalog(catalogPath)).toEqual(before);
    return (error as ApiError).problem!.detail;
  };

  it('creates a token that carries the master certificate pin, prints the join command, and shows the secret once', async () => {
    const created = await master.admin(createEnrollmentToken, { body: { tags: ['linux', 'etl'], maxTaskCount: 3, enableWorker: true } });
    const parts = parseEnrollmentToken(created.secret);
    expect(parts).toMatchObject({ tokenId: created.token.tokenId, masterCertificateSha256: master.host.services.tlsCertificate!.thumbprintSha256 });
    expect(created.joinCommand).toBe(`scaleout-worker join ${master.host.services.config.masterAddress} --token ${created.secret}`);
    expect(created.token).toMatchObject({ maxUses: 1, useCount: 0, tags: ['linux', 'etl'], maxTaskCount: 3, enableWorker: true, status: 'active' });
    // One hour by default.
    expect(Date.parse(created.token.expiresTime) - Date.parse(created.token.createdTime)).toBe(3_600_000);
    const listed = await master.admin(listEnrollmentTokens, {});
    expect(listed.tokens.map((t) => t.tokenId)).toContain(created.token.tokenId);
    expect(JSON.stringify(listed)).not.toContain(parts!.secretPart);
    expect(JSON.stringify(await master.admin(listAuditTrail, { query: { limit: 50 } }))).not.toContain(parts!.secretPart);
  });

  it("registers the worker with the token's tags, MaxTaskCount and enabled flag; the worker is then known by its certificate", async () => {
    const created = await master.admin(createEnrollmentToken, { body: { tags: ['gpu'], maxTaskCount: 2, enableWorker: true } });
    const { identity, answer } = await enroll(created.secret, 'gpu-box', { displayName: 'GPU box' });
    expect(answer).toMatchObject({ displayName: 'GPU box', tags: ['gpu'], maxTaskCount: 2, isEnabled: true });
    const shown = (await master.admin(listWorkers, {})).workers.find((w) => w.workerAgentId === answer.workerAgentId);
    expect(shown).toMatchObject({
      machineName: 'gpu-box',
      status: 'online',
      agentVersion: '0.1.0',
      certificate: { thumbprintSha256: identity.thumbprintSha256 },
    });
    const worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
    try {
      expect((await worker(heartbeat, { body: { tasks: [], agent } })).workerEnabled).toBe(true);
    } finally {
      worker.close();
    }
    const tokens = (await master.admin(listEnrollmentTokens, {})).tokens;
    expect(tokens.find((t) => t.tokenId === created.token.tokenId)).toMatchObject({ useCount: 1, status: 'used-up' });
    const audit = (await master.admin(listAuditTrail, { query: { limit: 5 } })).entries.map((e) => [e.action, e.targetId]);
    expect(audit.slice(0, 2)).toEqual([
      ['use-enrollment-token', created.token.tokenId],
      ['add-worker-agent', answer.workerAgentId],
    ]);
    // Without --enable a joined worker starts disabled, as `worker add` leaves it.
    const plain = await master.admin(createEnrollmentToken, { body: {} });
    expect((await enroll(plain.secret, 'plain-box')).answer).toMatchObject({ isEnabled: false, tags: [], maxTaskCount: 10 });
  });

  it('refuses a used-up, expired, revoked, unknown or mistyped token with a 401 saying which, changing nothing', async () => {
    const once = await master.admin(createEnrollmentToken, { body: {} });
    await enroll(once.secret, 'first-box');
    expect(await refused(once.secret)).toBe(enrollmentRefusals['used-up']);

    const { secret: expired } = await issueEnrollmentToken(
      master.host.services.catalog,
      { lifetimeMs: 0, maxUses: 1, tags: [], maxTaskCount: null, enableWorker: false },
      'test',
      undefined,
    );
    expect(await refused(expired)).toBe(enrollmentRefusals.expired);

    const revoked = await master.admin(createEnrollmentToken, { body: {} });
    expect((await master.admin(revokeEnrollmentToken, { params: { tokenId: revoked.token.tokenId } })).status).toBe('revoked');
    expect(await refused(revoked.secret)).toBe(enrollmentRefusals.revoked);

    // A real id with a wrong secret says no more than an id nobody created.
    const live = await master.admin(createEnrollmentToken, { body: {} });
    const wrongSecret = live.secret.replace(/^(soj_[a-z0-9]{12}_)[A-Za-z0-9_-]{43}/, `$1${'x'.repeat(43)}`);
    expect(await refused(wrongSecret)).toBe(enrollmentRefusals.unknown);
    expect(await refused(`soj_${'a'.repeat(12)}_${'b'.repeat(43)}`)).toBe(enrollmentRefusals.unknown);
    expect(await refused('not-a-token')).toBe(enrollmentRefusals.unknown);
    // An API key is not an enrollment token, not even an admin's.
    expect(await refused(master.adminKey)).toBe(enrollmentRefusals.unknown);
    // The live token was left untouched by all of that.
    expect((await master.admin(listEnrollmentTokens, {})).tokens.find((t) => t.tokenId === live.token.tokenId)?.useCount).toBe(0);
  });

  it('gives the last use of a token to one of two workers joining at once', async () => {
    const created = await master.admin(createEnrollmentToken, { body: { maxUses: 1 } });
    const results = await Promise.allSettled([enroll(created.secret, 'racer-a'), enroll(created.secret, 'racer-b')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as ApiError;
    expect(loser.status).toBe(401);
    expect(loser.problem?.detail).toBe(enrollmentRefusals['used-up']);
    const racers = (await master.admin(listWorkers, {})).workers.filter((w) => w.machineName.startsWith('racer-'));
    expect(racers).toHaveLength(1);
  });

  it('lets only an admin create, list or revoke tokens', async () => {
    const { secret: executorKey } = await master.admin(createApiKey, { body: { name: 'executor', role: 'executor' } });
    const executor = master.as(executorKey);
    for (const call of [
      () => executor(createEnrollmentToken, { body: {} }),
      () => executor(listEnrollmentTokens, {}),
      () => executor(revokeEnrollmentToken, { params: { tokenId: 'whatever' } }),
    ]) {
      await expect(call()).rejects.toMatchObject({ status: 403 });
    }
  });
});
