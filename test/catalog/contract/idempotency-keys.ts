import { expect } from 'vitest';
import { idempotencyKeyRetentionMs } from '../../../contracts/idempotency-key.js';
import type { IdempotencyGuard, WrittenExecution } from '../../../functions/catalog/catalog.js';
import { ConflictError, ValidationError } from '../../../functions/catalog/errors.js';
import { admin, deployEtl, readyTopology, thumbprints, type Scenario } from './fixtures.js';

const guard = (key: string, operation = 'createExecution', requestHash = 'a'.repeat(64)): IdempotencyGuard => ({
  actor: admin,
  operation,
  key,
  requestHash,
});
const extract = { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameters: { SourcePath: '/in/a.csv' } };

export const idempotencyKeyScenarios: Record<string, Scenario> = {
  'a guarded write records its key with what it created, in its own transaction, and a second write with the key is refused': async (h) => {
    await deployEtl(h.catalog);
    const execution = await h.catalog.createExecution(extract, admin, guard('k-1'));
    expect(await h.catalog.findIdempotencyKey(guard('k-1'))).toEqual({
      requestHash: 'a'.repeat(64),
      result: { executionId: execution.executionId },
      responseBody: null,
    });
    await h.catalog.recordIdempotentResponse(guard('k-1'), '{"executionId":1}');
    // Kept once: a replay that made the answer again does not overwrite the first.
    await h.catalog.recordIdempotentResponse(guard('k-1'), '{"other":true}');
    expect((await h.catalog.findIdempotencyKey(guard('k-1')))?.responseBody).toBe('{"executionId":1}');

    await expect(h.catalog.createExecution(extract, admin, guard('k-1'))).rejects.toThrow(ConflictError);
    const executions = await h.catalog.listExecutions({}, { limit: 10, offset: 0 });
    expect(executions.items.map((e) => e.executionId)).toEqual([execution.executionId]);
    // Per caller and operation: the same key elsewhere is another key.
    await h.catalog.createExecution(extract, admin, { ...guard('k-1'), actor: 'apikey:other001' });
    await h.catalog.startExecution(execution.executionId, {}, guard('k-1', 'startExecution'));
    expect(await h.catalog.findIdempotencyKey(guard('k-1', 'startExecution'))).toMatchObject({ result: { executionId: execution.executionId } });
  },

  'a guard\'s answer is made from what the write wrote, read in its transaction, and kept with the key': async (h) => {
    const answered: WrittenExecution[] = [];
    const answering = (key: string, operation = 'createExecution'): IdempotencyGuard<WrittenExecution> => ({
      ...guard(key, operation),
      answer: (written) => {
        answered.push(written);
        return JSON.stringify({ id: written.execution.executionId, status: written.execution.status });
      },
    });
    await deployEtl(h.catalog);
    await h.catalog.createExecution({ ...extract, start: {} }, admin, answering('k-no-worker'));
    expect(answered[0]?.scaleOut).toEqual({ isScaleOutEnabled: false, workers: [] });

    const { worker } = await readyTopology(h);
    await h.catalog.addWorkerAgent({ machineName: 'ETL-00', tags: ['gpu', 'ssd'], certificate: thumbprints() }, admin);
    const started = await h.catalog.createExecution({ ...extract, start: {} }, admin, answering('k-6'));
    expect(answered[1]).toEqual({ execution: started, scaleOut: await h.catalog.getScaleOutState(), children: [] });
    expect(answered[1]?.scaleOut?.workers.map((w) => [w.displayName, w.tags, w.runningTaskCount])).toEqual([
      ['ETL-00', ['gpu', 'ssd'], 0],
      ['node-a', [], 0],
    ]);
    expect((await h.catalog.findIdempotencyKey(guard('k-6')))?.responseBody).toBe(`{"id":${started.executionId},"status":5}`);
    // A write the key refuses keeps the first answer.
    await expect(h.catalog.createExecution({ ...extract, start: {} }, admin, answering('k-6'))).rejects.toThrow(ConflictError);
    expect((await h.catalog.findIdempotencyKey(guard('k-6')))?.responseBody).toBe(`{"id":${started.executionId},"status":5}`);

    // A created execution waits for nothing in Scale Out yet; its start reads the state, and its children.
    const created = await h.catalog.createExecution(extract, admin, answering('k-7'));
    expect(answered.at(-1)).toEqual({ execution: created, scaleOut: null, children: [] });
    const child = await h.catalog.createExecution({ ...extract, parentExecutionId: created.executionId }, admin);
    await h.catalog.startExecution(created.executionId, {}, answering('k-7', 'startExecution'));
    const start = answered.at(-1)!;
    expect(start.execution).toEqual(await h.catalog.getExecution(created.executionId));
    expect(start.scaleOut).toEqual(await h.catalog.getScaleOutState());
    expect(start.scaleOut?.workers.map((w) => w.workerAgentId)).toContain(worker.workerAgentId);
    expect(start.children.map((c) => c.executionId)).toEqual([child.executionId]);
    expect((await h.catalog.findIdempotencyKey(guard('k-7', 'startExecution')))?.responseBody).toBe(`{"id":${created.executionId},"status":5}`);
  },

  'a write that fails records no key, so the retry does it': async (h) => {
    await deployEtl(h.catalog);
    await expect(h.catalog.createExecution({ ...extract, packageName: 'missing' }, admin, guard('k-2'))).rejects.toThrow();
    expect(await h.catalog.findIdempotencyKey(guard('k-2'))).toBeUndefined();
    const badSchedule = { ...extract, name: 'bad', cronExpression: 'not cron' };
    await expect(h.catalog.createSchedule(badSchedule, admin, guard('k-3', 'createSchedule'))).rejects.toThrow(ValidationError);
    expect(await h.catalog.findIdempotencyKey(guard('k-3', 'createSchedule'))).toBeUndefined();
  },

  'every guarded write keeps what its answer needs; an API key its secret, encrypted': async (h) => {
    await deployEtl(h.catalog);
    const version = await deployEtl(h.catalog, Buffer.from('PK-2'), guard('d', 'deployProject'));
    const schedule = await h.catalog.createSchedule({ ...extract, name: 'nightly', cronExpression: '0 2 * * *' }, admin, guard('s', 'createSchedule'));
    await h.catalog.insertApiKey({ apiKeyId: 'k9', name: 'ci', role: 'reader', keyHash: 'h' }, admin, {
      ...guard('a', 'createApiKey'),
      keep: { secret: 'so_k9_s3cret' },
    });
    expect((await h.catalog.findIdempotencyKey(guard('d', 'deployProject')))?.result).toEqual({
      folderName: 'Finance',
      projectName: 'ETL',
      versionNumber: version.versionNumber,
    });
    expect((await h.catalog.findIdempotencyKey(guard('s', 'createSchedule')))?.result).toEqual({ scheduleId: schedule.scheduleId });
    expect((await h.catalog.findIdempotencyKey(guard('a', 'createApiKey')))?.result).toEqual({ apiKeyId: 'k9', secret: 'so_k9_s3cret' });
  },

  'a key is kept 24 hours: then it is a new key, and the cleanup removes it': async (h) => {
    await deployEtl(h.catalog);
    const first = await h.catalog.createExecution(extract, admin, guard('k-4'));
    h.clock.advance(idempotencyKeyRetentionMs - 1);
    expect(await h.catalog.findIdempotencyKey(guard('k-4'))).toBeDefined();
    h.clock.advance(1);
    expect(await h.catalog.findIdempotencyKey(guard('k-4'))).toBeUndefined();
    const second = await h.catalog.createExecution(extract, admin, guard('k-4', 'createExecution', 'b'.repeat(64)));
    expect((await h.catalog.findIdempotencyKey(guard('k-4')))?.result).toEqual({ executionId: second.executionId });
    expect(second.executionId).not.toBe(first.executionId);

    h.clock.advance(idempotencyKeyRetentionMs);
    await h.catalog.createExecution(extract, admin, guard('k-5'));
    expect(await h.catalog.deleteExpiredIdempotencyKeys()).toBe(1);
    const left = await h.engine.read((db) => db.selectFrom('idempotency_keys').select('idempotency_key').execute());
    expect(left.map((row) => row.idempotency_key)).toEqual(['k-5']);
  },
};
