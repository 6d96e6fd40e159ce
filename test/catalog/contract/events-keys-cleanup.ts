import { expect } from 'vitest';
import { EventMessageType, ExecutionStatus, type NewEventMessage } from '../../../functions/catalog/domain.js';
import { NotFoundError } from '../../../functions/catalog/errors.js';
import { admin, claimOne, readyTopology, startExtract, type Scenario } from './fixtures.js';

function lines(executionId: number, taskId: number, from: number, count: number, time: number): NewEventMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    executionId,
    taskId,
    sequenceNumber: from + i,
    messageTime: time + i,
    messageType: EventMessageType.information,
    messageSourceName: 'stdout',
    message: `line ${from + i}`,
  }));
}

export const eventKeyAndCleanupScenarios: Record<string, Scenario> = {
  'event messages are stored once per task and sequence, and read in order from a cursor': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    const now = h.clock.now();
    await h.catalog.appendEventMessages(lines(execution.executionId, task.taskId, 1, 3, now));
    // A redelivered batch overlapping the first, out of order.
    await h.catalog.appendEventMessages([...lines(execution.executionId, task.taskId, 3, 3, now)].reverse());
    await h.catalog.appendEventMessages([]);
    const all = await h.catalog.listEventMessages(execution.executionId, 0, 100);
    expect(all.map((m) => m.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(all[0]).toMatchObject({ taskId: task.taskId, sequenceNumber: 1, messageType: 70, messageSourceName: 'stdout', messageTime: now });
    const page = await h.catalog.listEventMessages(execution.executionId, all[1]!.eventMessageId, 2);
    expect(page.map((m) => m.sequenceNumber)).toEqual([3, 4]);
    expect(await h.catalog.listEventMessages(execution.executionId + 1, 0, 100)).toEqual([]);
  },

  'a worker batch of 2,000 lines and a redelivery overlapping it store each line once, in sequence order': async (h) => {
    const { worker } = await readyTopology(h);
    const execution = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    const now = h.clock.now();
    await h.catalog.appendEventMessages(lines(execution.executionId, task.taskId, 1, 2000, now));
    // 1,999 lines: the part of a batch that a retried message brings again, then 999 new ones.
    await h.catalog.appendEventMessages(lines(execution.executionId, task.taskId, 1001, 1999, now));
    const all = await h.catalog.listEventMessages(execution.executionId, 0, 5000);
    expect(all.map((m) => m.sequenceNumber)).toEqual(Array.from({ length: 2999 }, (_, i) => i + 1));
    expect(all[2998]).toMatchObject({ taskId: task.taskId, message: 'line 2999', messageTime: now + 1998, messageSourceName: 'stdout' });
  },

  'API keys are stored by hash, listed without it, and revoked once': async ({ catalog, clock }) => {
    const key = await catalog.insertApiKey({ apiKeyId: 'k1', name: 'ci', role: 'executor', keyHash: 'h'.repeat(64) }, admin);
    expect(key).toEqual({
      apiKeyId: 'k1',
      name: 'ci',
      role: 'executor',
      createdBy: admin,
      createdTime: clock.now(),
      lastUsedTime: null,
      revokedTime: null,
    });
    expect((await catalog.findApiKey('k1'))?.keyHash).toBe('h'.repeat(64));
    expect(await catalog.findApiKey('nope')).toBeUndefined();
    clock.advance(1000);
    await catalog.recordApiKeyUse('k1');
    expect((await catalog.listApiKeys())[0]).toMatchObject({ apiKeyId: 'k1', lastUsedTime: clock.now() });
    expect(JSON.stringify(await catalog.listApiKeys())).not.toContain('hhhh');
    expect((await catalog.revokeApiKey('k1', admin)).revokedTime).toBe(clock.now());
    clock.advance(1000);
    expect((await catalog.revokeApiKey('k1', admin)).revokedTime).toBe(clock.now() - 1000);
    await expect(catalog.revokeApiKey('nope', admin)).rejects.toThrow(NotFoundError);
    const actions = (await catalog.listAuditTrail({ limit: 10, offset: 0 })).items.map((e) => e.action);
    expect(actions).toEqual(['revoke-api-key', 'create-api-key']);
  },

  'the audit trail pages newest first': async ({ catalog }) => {
    for (let i = 0; i < 3; i++) await catalog.insertApiKey({ apiKeyId: `k${i}`, name: `n${i}`, role: 'reader', keyHash: 'x' }, admin);
    const first = await catalog.listAuditTrail({ limit: 2, offset: 0 });
    expect(first.items.map((e) => e.targetId)).toEqual(['k2', 'k1']);
    expect(first.nextOffset).toBe(2);
    const second = await catalog.listAuditTrail({ limit: 2, offset: 2 });
    expect(second.items.map((e) => e.targetId)).toEqual(['k0']);
    expect(second.nextOffset).toBeNull();
  },

  'cleanup deletes executions that ended before the retention window, with their events, and keeps the rest': async (h) => {
    const { worker } = await readyTopology(h);
    const old = await startExtract(h.catalog);
    const oldTask = await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.appendEventMessages(lines(old.executionId, oldTask.taskId, 1, 2, h.clock.now()));
    await h.catalog.completeTask(worker.workerAgentId, { taskId: oldTask.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 });
    const child = await h.catalog.createExecution(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'load', parentExecutionId: old.executionId },
      admin,
    );
    await h.catalog.stopOperation(child.executionId, admin);
    const running = await startExtract(h.catalog);
    await claimOne(h.catalog, worker.workerAgentId);
    h.clock.advance(10 * 86_400_000);
    const recent = await startExtract(h.catalog);
    await h.catalog.stopOperation(recent.executionId, admin);

    expect(await h.catalog.cleanupCompletedExecutions(7 * 86_400_000)).toBe(2);
    const left = (await h.catalog.listExecutions({}, { limit: 10, offset: 0 })).items.map((e) => e.executionId);
    expect(left).toEqual([recent.executionId, running.executionId]);
    expect(await h.catalog.listEventMessages(old.executionId, 0, 10)).toEqual([]);
    expect(await h.catalog.cleanupCompletedExecutions(7 * 86_400_000)).toBe(0);
    expect((await h.catalog.getExecution(running.executionId)).status).toBe(ExecutionStatus.running);
  },

  'the dashboard reads counts by status and end times': async (h) => {
    const { worker } = await readyTopology(h);
    const done = await startExtract(h.catalog);
    const task = await claimOne(h.catalog, worker.workerAgentId);
    h.clock.advance(60_000);
    await h.catalog.completeTask(worker.workerAgentId, { taskId: task.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 });
    await startExtract(h.catalog);
    expect(await h.catalog.countExecutionsByStatus(0)).toEqual({ [ExecutionStatus.succeeded]: 1, [ExecutionStatus.pending]: 1 });
    expect(await h.catalog.listExecutionEndTimes(h.clock.now() - 1000)).toEqual([
      { endTime: h.clock.now(), status: ExecutionStatus.succeeded },
    ]);
    expect(done.executionId).toBeGreaterThan(0);
  },
};
