import { expect } from 'vitest';
import { EventMessageType, ExecutionStatus } from '../../../functions/catalog/domain.js';
import { NotFoundError, ValidationError } from '../../../functions/catalog/errors.js';
import { admin, claimOne, deployEtl, etlPackages, readyTopology, startExtract, storedArchive, type Scenario } from './fixtures.js';

const minute = 60_000;

export const childAndScheduleScenarios: Record<string, Scenario> = {
  'a child records its parent; a key names it so a retried parent finds the child it already started': async (h) => {
    const { worker } = await readyTopology(h);
    const parent = await startExtract(h.catalog);
    await claimOne(h.catalog, worker.workerAgentId);
    const child = (key: string) =>
      h.catalog.createExecution(
        { folderName: 'Finance', projectName: 'ETL', packageName: 'load', parentExecutionId: parent.executionId, childKey: key, start: {} },
        admin,
      );
    const first = await child('partition-1');
    expect(first).toMatchObject({ parentExecutionId: parent.executionId, status: ExecutionStatus.pending });
    expect((await child('partition-1')).executionId).toBe(first.executionId);
    const second = await child('partition-2');
    expect(second.executionId).not.toBe(first.executionId);
    const children = await h.catalog.listExecutions({ parentExecutionId: parent.executionId }, { limit: 10, offset: 0 });
    expect(children.items.map((e) => e.executionId)).toEqual([second.executionId, first.executionId]);
    expect((await h.catalog.getExecution(parent.executionId)).childCount).toBe(2);
    await expect(
      h.catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'load', childKey: 'x' }, admin),
    ).rejects.toThrow(/ChildKey: /);
    await expect(
      h.catalog.createExecution({ folderName: 'Finance', projectName: 'ETL', packageName: 'load', parentExecutionId: 999_999 }, admin),
    ).rejects.toThrow(/ParentExecutionId: /);
  },

  'stopping a parent stops every child still going, down the tree; a finished child is left as it is': async (h) => {
    const { worker } = await readyTopology(h);
    const parent = await startExtract(h.catalog);
    await claimOne(h.catalog, worker.workerAgentId);
    const spawn = (parentExecutionId: number, key: string) =>
      h.catalog.createExecution(
        { folderName: 'Finance', projectName: 'ETL', packageName: 'load', parentExecutionId, childKey: key, start: {} },
        admin,
      );
    const running = await spawn(parent.executionId, 'a');
    const runningTask = await claimOne(h.catalog, worker.workerAgentId);
    expect(runningTask.executionId).toBe(running.executionId);
    const done = await spawn(parent.executionId, 'b');
    const doneTask = await claimOne(h.catalog, worker.workerAgentId);
    await h.catalog.completeTask(worker.workerAgentId, { taskId: doneTask.taskId, attemptNumber: 1, outcome: 'succeeded', exitCode: 0 });
    const waiting = await spawn(parent.executionId, 'c');
    const grandchild = await spawn(running.executionId, 'd');

    await h.catalog.stopOperation(parent.executionId, admin);
    const status = async (id: number) => (await h.catalog.getExecution(id)).status;
    expect(await status(parent.executionId)).toBe(ExecutionStatus.stopping);
    expect(await status(running.executionId)).toBe(ExecutionStatus.stopping);
    expect(await status(waiting.executionId)).toBe(ExecutionStatus.canceled);
    expect(await status(grandchild.executionId)).toBe(ExecutionStatus.canceled);
    expect(await status(done.executionId)).toBe(ExecutionStatus.succeeded);
    expect((await h.catalog.getExecution(waiting.executionId)).statusMessage).toBe(`stopped with its parent by ${admin}`);
    const beat = await h.catalog.renewLeases(worker.workerAgentId, [{ taskId: runningTask.taskId, attemptNumber: 1 }]);
    expect(beat.cancel).toEqual([{ taskId: runningTask.taskId, attemptNumber: 1 }]);
  },

  "a tree's event messages read in one place, in cursor order": async (h) => {
    const { worker } = await readyTopology(h);
    const parent = await startExtract(h.catalog);
    const parentTask = await claimOne(h.catalog, worker.workerAgentId);
    const child = await h.catalog.createExecution(
      { folderName: 'Finance', projectName: 'ETL', packageName: 'load', parentExecutionId: parent.executionId, start: {} },
      admin,
    );
    const childTask = await claimOne(h.catalog, worker.workerAgentId);
    const line = (executionId: number, taskId: number, sequenceNumber: number, message: string) => ({
      executionId,
      taskId,
      sequenceNumber,
      messageTime: h.clock.now(),
      messageType: EventMessageType.information,
      messageSourceName: 'stdout',
      message,
    });
    await h.catalog.appendEventMessages([line(parent.executionId, parentTask.taskId, 1, 'parent starts')]);
    await h.catalog.appendEventMessages([line(child.executionId, childTask.taskId, 1, 'child works')]);
    await h.catalog.appendEventMessages([line(parent.executionId, parentTask.taskId, 2, 'parent ends')]);
    const tree = await h.catalog.listEventMessages(parent.executionId, 0, 100, { tree: true });
    expect(tree.map((m) => m.message)).toEqual(['parent starts', 'child works', 'parent ends']);
    const own = await h.catalog.listEventMessages(parent.executionId, 0, 100);
    expect(own.map((m) => m.message)).toEqual(['parent starts', 'parent ends']);
  },

  'a schedule is checked when made, keeps sensitive values encrypted, and fires once per due time': async (h) => {
    await readyTopology(h);
    h.clock.set(Date.UTC(2026, 10, 22, 9, 0, 30));
    await expect(
      h.catalog.createSchedule({ name: 'bad', folderName: 'Finance', projectName: 'ETL', packageName: 'extract', cronExpression: '61 * * * *' }, admin),
    ).rejects.toThrow(ValidationError);
    // February 30th: a valid pattern that no date matches.
    await expect(
      h.catalog.createSchedule({ name: 'bad', folderName: 'Finance', projectName: 'ETL', packageName: 'extract', cronExpression: '0 2 30 2 *' }, admin),
    ).rejects.toThrow("Cron never fires: no date matches '0 2 30 2 *'");
    await expect(
      h.catalog.createSchedule(
        { name: 'bad', folderName: 'Finance', projectName: 'ETL', packageName: 'extract', cronExpression: '* * * * *', timeZone: 'Mars/Base' },
        admin,
      ),
    ).rejects.toThrow(/TimeZone: /);
    await expect(
      h.catalog.createSchedule({ name: 'bad', folderName: 'Finance', projectName: 'ETL', packageName: 'extract', cronExpression: '* * * * *' }, admin),
    ).rejects.toThrow("SourcePath is required by package 'extract' and has no value");
    await expect(
      h.catalog.createSchedule({ name: 'bad', folderName: 'Finance', projectName: 'ETL', packageName: 'nope', cronExpression: '* * * * *' }, admin),
    ).rejects.toThrow(NotFoundError);

    const schedule = await h.catalog.createSchedule(
      {
        name: 'nightly extract',
        folderName: 'Finance',
        projectName: 'ETL',
        packageName: 'extract',
        parameters: { SourcePath: '/in.csv', ApiToken: 'sched-secret' },
        cronExpression: '*/1 * * * *',
        retryCount: 2,
      },
      admin,
    );
    expect(schedule).toMatchObject({
      isEnabled: true,
      timeZone: 'UTC',
      misfirePolicy: 'run-once',
      parameters: { SourcePath: '/in.csv' },
      sensitiveParameterNames: ['ApiToken'],
      nextRunTime: Date.UTC(2026, 10, 22, 9, 1, 0),
    });
    const raw = await h.engine.db.selectFrom('schedules').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toContain('sched-secret');

    expect(await h.catalog.fireDueSchedules()).toEqual([]);
    h.clock.set(Date.UTC(2026, 10, 22, 9, 1, 2));
    const [fired, ...more] = await h.catalog.fireDueSchedules();
    expect(more).toEqual([]);
    expect(fired).toMatchObject({ scheduleId: schedule.scheduleId, dueTime: Date.UTC(2026, 10, 22, 9, 1, 0) });
    expect(await h.catalog.fireDueSchedules()).toEqual([]);
    const execution = await h.catalog.getExecution(fired!.executionId!);
    expect(execution).toMatchObject({
      status: ExecutionStatus.pending,
      createdBy: 'schedule:nightly extract',
      scheduleId: schedule.scheduleId,
      retryCount: 2,
    });
    expect(execution.parameters.find((p) => p.name === 'ApiToken')).toEqual({ name: 'ApiToken', sensitive: true, value: null });
    expect(await h.catalog.getSchedule(schedule.scheduleId)).toMatchObject({
      lastExecutionId: execution.executionId,
      lastRunTime: h.clock.now(),
      nextRunTime: Date.UTC(2026, 10, 22, 9, 2, 0),
    });
  },

  'after downtime a schedule runs once (run-once) or not at all (skip), then keeps its rhythm': async (h) => {
    await readyTopology(h);
    h.clock.set(Date.UTC(2026, 10, 22, 9, 0, 30));
    const make = (name: string, misfirePolicy: 'run-once' | 'skip') =>
      h.catalog.createSchedule(
        { name, folderName: 'Finance', projectName: 'ETL', packageName: 'load', cronExpression: '* * * * *', misfirePolicy },
        admin,
      );
    const once = await make('once', 'run-once');
    const skip = await make('skip', 'skip');
    h.clock.advance(60 * minute);
    const fired = await h.catalog.fireDueSchedules();
    expect(fired.map((f) => [f.scheduleId, f.executionId !== null])).toEqual([
      [once.scheduleId, true],
      [skip.scheduleId, false],
    ]);
    expect(fired[1]?.reason).toMatch(/misfire policy: skip/);
    expect((await h.catalog.listExecutions({}, { limit: 100, offset: 0 })).items).toHaveLength(1);
    // The next slot, on time: both run.
    h.clock.set(Date.UTC(2026, 10, 22, 10, 1, 1));
    expect((await h.catalog.fireDueSchedules()).map((f) => f.executionId !== null)).toEqual([true, true]);
  },

  'enable, disable, run now and remove; a run that cannot start records why and the schedule moves on': async (h) => {
    await readyTopology(h);
    h.clock.set(Date.UTC(2026, 10, 22, 9, 0, 30));
    const schedule = await h.catalog.createSchedule(
      { name: 'load', folderName: 'Finance', projectName: 'ETL', packageName: 'load', cronExpression: '0 * * * *', timeZone: 'Europe/Paris' },
      admin,
    );
    expect(schedule.nextRunTime).toBe(Date.UTC(2026, 10, 22, 10, 0, 0));
    expect(await h.catalog.nextScheduledRunTime()).toBe(Date.UTC(2026, 10, 22, 10, 0, 0));
    expect(await h.catalog.setScheduleEnabled(schedule.scheduleId, false, admin)).toMatchObject({ isEnabled: false, nextRunTime: null });
    // Nothing enabled: the schedule alarm has nothing to wait for.
    expect(await h.catalog.nextScheduledRunTime()).toBeNull();
    h.clock.advance(3 * 60 * minute);
    expect(await h.catalog.fireDueSchedules()).toEqual([]);
    expect((await h.catalog.setScheduleEnabled(schedule.scheduleId, true, admin)).nextRunTime).toBe(Date.UTC(2026, 10, 22, 13, 0, 0));
    expect(await h.catalog.nextScheduledRunTime()).toBe(Date.UTC(2026, 10, 22, 13, 0, 0));
    const now = await h.catalog.runScheduleNow(schedule.scheduleId, admin);
    expect(now).toMatchObject({ packageName: 'load', status: ExecutionStatus.pending });
    expect((await h.catalog.getSchedule(schedule.scheduleId)).nextRunTime).toBe(Date.UTC(2026, 10, 22, 13, 0, 0));

    // The project's next version makes a new parameter required: the next run cannot start.
    const load = { ...etlPackages[1]!, parameters: [{ name: 'Target', dataType: 'String' as const, required: true, sensitive: false }] };
    await h.catalog.deployProject(
      { folderName: 'Finance', projectName: 'ETL', ...storedArchive('Finance/ETL', Buffer.from('v2')), manifest: {}, packages: [etlPackages[0]!, load] },
      admin,
    );
    h.clock.set(Date.UTC(2026, 10, 22, 13, 0, 5));
    const [failed] = await h.catalog.fireDueSchedules();
    expect(failed).toMatchObject({ executionId: null, reason: expect.stringMatching(/Target is required/) });
    expect(await h.catalog.getSchedule(schedule.scheduleId)).toMatchObject({
      lastError: expect.stringMatching(/Target is required/),
      nextRunTime: Date.UTC(2026, 10, 22, 14, 0, 0),
    });
    expect((await h.catalog.listExecutions({}, { limit: 10, offset: 0 })).items).toHaveLength(1);

    await h.catalog.removeSchedule(schedule.scheduleId, admin);
    await expect(h.catalog.getSchedule(schedule.scheduleId)).rejects.toThrow(NotFoundError);
    expect((await h.catalog.listSchedules()).length).toBe(0);
    await deployEtl(h.catalog);
  },
};
