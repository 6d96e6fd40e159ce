import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorker,
  createExecution,
  deployProject,
  enableScaleOut,
  enableWorker,
  listExecutionEvents,
} from '../../../contracts/management/endpoints.js';
import { claimTasks, completeTask, postEvents, type ClaimedTask, type TaskOutcome } from '../../../contracts/worker-protocol.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { temporaryFolders } from '../../support/temporary-folders.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../../support/test-worker.js';
import { lines, masterEnv, runProcess } from './harness.js';

/**
 * A package fans out with the CLI (a shell or PowerShell package has no node context): the compiled `scaleout`
 * runs as a child process with the task credential its worker handed the package, and an administrator sees the
 * tree in `execution show` and `execution logs`.
 */
describe('scaleout with a task credential, and execution trees', () => {
  let master: TestMaster;
  let worker: WorkerCaller & { close(): void };
  let adminEnv: Record<string, string>;
  const noConfig = join(temporaryFolders('scaleout-task-')(), 'config.json');

  /** The environment a worker gives the package running `task`. */
  const taskEnv = (task: ClaimedTask): Record<string, string> => ({
    SCALEOUT_TASK_CREDENTIAL: task.taskCredential,
    SCALEOUT_MASTER_URL: master.url,
    SCALEOUT_MASTER_THUMBPRINT: master.host.certificateThumbprint,
    SCALEOUT_EXECUTION_ID: String(task.executionId),
    SCALEOUT_CONFIG: noConfig,
  });

  async function claim(): Promise<ClaimedTask> {
    for (let tries = 0; tries < 20; tries++) {
      const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 2000 } });
      if (tasks[0]) return tasks[0];
    }
    throw new Error('no task was offered');
  }

  /** Sends a log line and waits until the catalog has it. */
  async function log(task: ClaimedTask, message: string, at = new Date(), sequenceNumber = 1): Promise<void> {
    const event = { sequenceNumber, time: at.toISOString(), type: 'information' as const, source: 'stdout', message };
    await worker(postEvents, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, events: [event] } });
    for (let tries = 0; tries < 200; tries++) {
      const page = await master.admin(listExecutionEvents, { params: { executionId: task.executionId }, query: { after: 0 } });
      if (page.events.some((e) => e.message === message)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the event never reached the catalog');
  }

  const complete = (task: ClaimedTask, outcome: TaskOutcome, message: string) =>
    worker(completeTask, {
      params: { taskId: task.taskId },
      body: { attemptNumber: task.attemptNumber, outcome, exitCode: outcome === 'succeeded' ? 0 : 1, message },
    });

  let parent: ClaimedTask;
  let p1: number;
  let p2: ClaimedTask;
  let q1: number;

  beforeAll(async () => {
    // The tasks here are completed by hand, without heartbeats, across all four tests: a lease long enough that a
    // loaded machine cannot make one expire, since no test here is about leases.
    master = await startTestMaster({ env: { SCALEOUT_LEASE_MS: '600000' } });
    adminEnv = masterEnv(master);
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    const identity = await createWorkerIdentity('node-a');
    const workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
  });
  afterAll(async () => {
    worker?.close();
    await master?.stop();
  });

  it('inside a package, run starts a child named by --key, --wait waits for it, and management commands are refused', async () => {
    await master.admin(createExecution, { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true } });
    parent = await claim();
    await log(parent, 'fanning out');

    const refused = await runProcess(['worker', 'list'], { env: taskEnv(parent) });
    expect(refused.code).toBe(5);
    expect(lines(refused.stderr)).toEqual([
      `error: 'scaleout worker list' needs an API key; inside a package (SCALEOUT_TASK_CREDENTIAL is set, no API key) scaleout acts only on ` +
        `the children of execution ${parent.executionId}: scaleout execution run, scaleout execution show, scaleout execution stop, scaleout execution logs`,
    ]);
    const keyOutside = await runProcess(['execution', 'run', 'Finance/ETL/load', '--key', 'p1'], { env: adminEnv });
    expect(keyOutside.code).toBe(2);
    expect(lines(keyOutside.stderr)).toEqual(['error: --key names a child execution: it applies inside a package only (SCALEOUT_TASK_CREDENTIAL)']);

    const running = runProcess(['execution', 'run', 'Finance/ETL/load', '--key', 'p1', '--wait'], { env: taskEnv(parent) });
    const child = await claim();
    p1 = child.executionId;
    await log(child, 'loading partition 1');
    await complete(child, 'succeeded', 'rows=10');
    const waited = await running;
    expect(waited.stderr).toBe('');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain(`Started execution ${p1} of Finance/ETL/load.`);
    expect(waited.stdout).toMatch(/stdout: loading partition 1$/m);
    expect(waited.stdout).toMatch(new RegExp(`^Execution ${p1} succeeded in .*: rows=10\\.$`, 'm'));

    // The same key again (a retried parent) gives the same child back.
    const again = await runProcess(['execution', 'run', 'Finance/ETL/load', '--key', 'p1', '--json'], { env: taskEnv(parent) });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ executionId: p1, childKey: 'p1', parentExecutionId: parent.executionId, statusName: 'succeeded' });

    const shown = await runProcess(['execution', 'show', String(p1), '--json'], { env: taskEnv(parent) });
    expect(JSON.parse(shown.stdout)).toMatchObject({ executionId: p1, status: 7 });
  });

  it("a child's own credential reaches its own children only", async () => {
    const started = await runProcess(['execution', 'run', 'Finance/ETL/load', '--key', 'p2', '--json'], { env: taskEnv(parent) });
    expect(started.code).toBe(0);
    p2 = await claim();
    expect(p2.executionId).toBe((JSON.parse(started.stdout) as { executionId: number }).executionId);
    await log(p2, 'loading partition 2');

    const grandchild = await runProcess(['execution', 'run', 'Finance/ETL/load', '--key', 'q1', '--json'], { env: taskEnv(p2) });
    expect(grandchild.code).toBe(0);
    const q1Task = await claim();
    q1 = q1Task.executionId;
    await log(q1Task, 'checking partition 2');
    await complete(q1Task, 'failed', 'partition 2 has 3 bad rows');

    // Not a child of the parent: its credential cannot see it.
    const notMine = await runProcess(['execution', 'show', String(q1)], { env: taskEnv(parent) });
    expect(notMine.code).not.toBe(0);
    expect(lines(notMine.stderr)).toHaveLength(1);

    const waited = await runProcess(['execution', 'logs', String(q1)], { env: taskEnv(p2) });
    expect(waited.code).toBe(0);
    expect(lines(waited.stdout).map((l) => l.replace(/^\S+ INFO {2}/, ''))).toEqual(['stdout: checking partition 2']);
    await complete(p2, 'failed', 'partition 2 failed its check');
  });

  it('execution show prints the tree, indented, with keys and statuses; logs prefixes each line by its child', async () => {
    const shown = await runProcess(['execution', 'show', String(parent.executionId)], { env: adminEnv });
    expect(shown.code).toBe(0);
    const out = lines(shown.stdout);
    expect(out.some((l) => /^Children +2: 1 succeeded, 1 failed$/.test(l)), shown.stdout).toBe(true);
    const header = out.findIndex((l) => l.startsWith('CHILD'));
    expect(header).toBeGreaterThan(0);
    const tree = out.slice(header + 1, header + 4).map((l) => l.split(/\s{2,}/).slice(0, 3));
    expect(tree).toEqual([
      [String(p1), 'p1', 'succeeded'],
      [String(p2.executionId), 'p2', 'failed'],
      ['', String(q1), 'q1'],
    ]);
    expect(out[header + 3]).toMatch(new RegExp(`^  ${q1} +q1 +failed +Finance/ETL/load +node-a .* partition 2 has 3 bad rows$`));

    const logs = await runProcess(['execution', 'logs', String(parent.executionId)], { env: adminEnv });
    expect(logs.code).toBe(0);
    expect(lines(logs.stdout).map((l) => l.replace(/^\S+ INFO {2}/, ''))).toEqual([
      'stdout: fanning out',
      '[p1] stdout: loading partition 1',
      '[p2] stdout: loading partition 2',
      '[p2/q1] stdout: checking partition 2',
    ]);
    const own = await runProcess(['execution', 'logs', String(parent.executionId), '--no-children'], { env: adminEnv });
    expect(lines(own.stdout).map((l) => l.replace(/^\S+ INFO {2}/, ''))).toEqual(['stdout: fanning out']);

    // The parent ends: --follow prints the tree's lines and stops once all of it has ended.
    await complete(parent, 'succeeded', 'aggregated');
    const followed = await runProcess(['execution', 'logs', String(parent.executionId), '--follow'], { env: adminEnv });
    expect(followed.code).toBe(0);
    expect(lines(followed.stdout)).toHaveLength(4);
    expect(followed.stderr).toBe(`Execution ${parent.executionId} succeeded.\n`);
  });

  it("a tree's log reads by time, then by each task's sequence, though a child's lines reached the catalog first", async () => {
    await master.admin(createExecution, { body: { folderName: 'Finance', projectName: 'ETL', packageName: 'load', start: true } });
    const root = await claim();
    const started = await runProcess(['execution', 'run', 'Finance/ETL/load', '--key', 'late'], { env: taskEnv(root) });
    expect(started.code, started.stderr).toBe(0);
    const child = await claim();
    const now = Date.now();
    // The child's lines land first; then the parent's, two of them written before the child's and one after.
    await log(child, 'child: first', new Date(now - 2_000), 1);
    await log(child, 'child: second', new Date(now - 2_000), 2);
    await log(root, 'parent: planning', new Date(now - 5_000), 1);
    await log(root, 'parent: starting the child', new Date(now - 2_000), 2);
    await log(root, 'parent: waiting', new Date(now - 1_000), 3);
    await complete(child, 'succeeded', 'done');
    await complete(root, 'succeeded', 'done');

    const expected = ['stdout: parent: planning', 'stdout: parent: starting the child', '[late] stdout: child: first', '[late] stdout: child: second', 'stdout: parent: waiting'];
    const logs = await runProcess(['execution', 'logs', String(root.executionId)], { env: adminEnv });
    expect(logs.code).toBe(0);
    expect(lines(logs.stdout).map((l) => l.replace(/^\S+ INFO {2}/, ''))).toEqual(expected);
    const followed = await runProcess(['execution', 'logs', String(root.executionId), '--follow'], { env: adminEnv });
    expect(lines(followed.stdout).map((l) => l.replace(/^\S+ INFO {2}/, ''))).toEqual(expected);
  });
});
