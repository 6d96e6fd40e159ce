import { expect } from 'vitest';
import type { Catalog, NewEnrollmentToken } from '../../../functions/catalog/catalog.js';
import { ConflictError, EnrollmentRefusedError, NotFoundError } from '../../../functions/catalog/errors.js';
import { admin, thumbprints, type Scenario } from './fixtures.js';

const hour = 3_600_000;

function newToken(catalog: Catalog, changes: Partial<NewEnrollmentToken> = {}) {
  return catalog.insertEnrollmentToken(
    {
      tokenId: 'tok000000001',
      tokenHash: 'h'.repeat(64),
      lifetimeMs: hour,
      maxUses: 1,
      tags: [],
      maxTaskCount: null,
      enableWorker: false,
      ...changes,
    },
    admin,
  );
}

const enrolling = (machineName: string) => ({ machineName, certificate: thumbprints() });

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(EnrollmentRefusedError);
  return (error as EnrollmentRefusedError).reason;
}

export const enrollmentTokenScenarios: Record<string, Scenario> = {
  'an enrollment token is stored by hash, listed without it, and audited': async ({ catalog, clock }) => {
    const token = await newToken(catalog, { tags: ['linux', 'etl'], maxTaskCount: 4, maxUses: 3, enableWorker: true });
    expect(token).toEqual({
      tokenId: 'tok000000001',
      createdBy: admin,
      createdTime: clock.now(),
      expiresTime: clock.now() + hour,
      maxUses: 3,
      useCount: 0,
      tags: ['linux', 'etl'],
      maxTaskCount: 4,
      enableWorker: true,
      lastUsedTime: null,
      revokedTime: null,
    });
    expect((await catalog.findEnrollmentToken('tok000000001'))?.tokenHash).toBe('h'.repeat(64));
    expect(await catalog.findEnrollmentToken('nope')).toBeUndefined();
    expect(await catalog.listEnrollmentTokens()).toEqual([token]);
    expect(JSON.stringify(await catalog.listEnrollmentTokens())).not.toContain('hhhh');
    const [entry] = (await catalog.listAuditTrail({ limit: 10, offset: 0 })).items;
    expect(entry).toMatchObject({ action: 'create-enrollment-token', actor: admin, targetId: 'tok000000001', details: { maxUses: 3, tags: ['linux', 'etl'] } });
    expect(JSON.stringify(entry)).not.toContain('hhhh');
  },

  "enrolling registers the worker with the token's tags, MaxTaskCount and enabled flag, and counts the use": async ({ catalog, clock }) => {
    await newToken(catalog, { tags: ['linux'], maxTaskCount: 3, maxUses: 2, enableWorker: true });
    clock.advance(1000);
    const worker = await catalog.enrollWorkerAgent('tok000000001', { ...enrolling('node-j'), displayName: 'Joined', description: 'by token' });
    expect(worker).toMatchObject({ machineName: 'node-j', displayName: 'Joined', description: 'by token', tags: ['linux'], maxTaskCount: 3, isEnabled: true });
    expect(await catalog.findEnrollmentToken('tok000000001')).toMatchObject({ useCount: 1, lastUsedTime: clock.now() });
    const actions = (await catalog.listAuditTrail({ limit: 10, offset: 0 })).items.map((e) => [e.action, e.actor]);
    expect(actions).toEqual([
      ['use-enrollment-token', 'enrollment-token:tok000000001'],
      ['add-worker-agent', 'enrollment-token:tok000000001'],
      ['create-enrollment-token', admin],
    ]);
    // A token without --enable leaves the worker disabled, as `worker add` does; no MaxTaskCount means the default.
    await newToken(catalog, { tokenId: 'tok000000002' });
    expect(await catalog.enrollWorkerAgent('tok000000002', enrolling('node-k'))).toMatchObject({ isEnabled: false, tags: [], maxTaskCount: 10 });
  },

  'a used-up, expired, revoked or unknown token registers nothing': async ({ catalog, clock }) => {
    await newToken(catalog);
    await catalog.enrollWorkerAgent('tok000000001', enrolling('first'));
    expect(await refusal(catalog.enrollWorkerAgent('tok000000001', enrolling('second')))).toBe('used-up');

    await newToken(catalog, { tokenId: 'tok000000002' });
    clock.advance(hour);
    expect(await refusal(catalog.enrollWorkerAgent('tok000000002', enrolling('late')))).toBe('expired');

    await newToken(catalog, { tokenId: 'tok000000003' });
    expect((await catalog.revokeEnrollmentToken('tok000000003', admin)).revokedTime).toBe(clock.now());
    clock.advance(1000);
    // Revoking twice keeps the first time and audits once.
    expect((await catalog.revokeEnrollmentToken('tok000000003', admin)).revokedTime).toBe(clock.now() - 1000);
    expect(await refusal(catalog.enrollWorkerAgent('tok000000003', enrolling('revoked')))).toBe('revoked');
    await expect(catalog.revokeEnrollmentToken('nope', admin)).rejects.toThrow(NotFoundError);
    expect(await refusal(catalog.enrollWorkerAgent('nope', enrolling('unknown')))).toBe('unknown');

    expect((await catalog.listWorkerAgents()).map((w) => w.machineName)).toEqual(['first']);
    const tokens = await catalog.listEnrollmentTokens();
    expect(tokens.map((t) => t.useCount)).toEqual([1, 0, 0]);
    const actions = (await catalog.listAuditTrail({ limit: 20, offset: 0 })).items.map((e) => e.action);
    expect(actions.filter((a) => a === 'revoke-enrollment-token')).toHaveLength(1);
    expect(actions.filter((a) => a === 'use-enrollment-token')).toHaveLength(1);
  },

  'a worker refused (its certificate already registered) does not spend the use': async ({ catalog }) => {
    const certificate = thumbprints();
    await catalog.addWorkerAgent({ machineName: 'existing', certificate }, admin);
    await newToken(catalog);
    await expect(catalog.enrollWorkerAgent('tok000000001', { machineName: 'again', certificate })).rejects.toThrow(ConflictError);
    expect(await catalog.findEnrollmentToken('tok000000001')).toMatchObject({ useCount: 0, lastUsedTime: null });
    expect(await catalog.enrollWorkerAgent('tok000000001', enrolling('other'))).toMatchObject({ machineName: 'other' });
  },

  'two enrollments racing for the last use: one wins': async ({ catalog }) => {
    await newToken(catalog, { maxUses: 2 });
    await catalog.enrollWorkerAgent('tok000000001', enrolling('early'));
    const results = await Promise.allSettled([
      catalog.enrollWorkerAgent('tok000000001', enrolling('racer-a')),
      catalog.enrollWorkerAgent('tok000000001', enrolling('racer-b')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect((rejected?.reason as EnrollmentRefusedError).reason).toBe('used-up');
    expect((await catalog.listWorkerAgents()).length).toBe(2);
    expect(await catalog.findEnrollmentToken('tok000000001')).toMatchObject({ useCount: 2 });
  },
};
