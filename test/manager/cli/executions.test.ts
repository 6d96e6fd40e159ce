import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorker,
  deployProject,
  enableScaleOut,
  enableWorker,
  getExecution,
  listExecutionEvents,
  listExecutions,
  stopExecution,
} from '../../../contracts/management/endpoints.js';
import { claimTasks, completeTask, postEvents, type ClaimedTask, type TaskOutcome } from '../../../contracts/worker-protocol.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { createWorkerIdentity, workerCaller, type WorkerCaller } from '../../support/test-worker.js';
import { lines, masterEnv, runInProcess, type CliResult, type CliRunOptions } from './harness.js';

describe('scaleout execution', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  let worker: WorkerCaller & { close(): void };
  let workerAgentId: string;
  const cli = (args: string[], options: CliRunOptions = {}) => runInProcess(args, { env, ...options });

  /** The test worker claims the next task (waiting for it to be offered). */
  async function claim(): Promise<ClaimedTask> {
    for (let tries = 0; tries < 20; tries++) {
      const { tasks } = await worker(claimTasks, { body: { freeSlots: 1, waitMs: 2000 } });
      if (tasks[0]) return tasks[0];
    }
    throw new Error('no task was offered');
  }

  /** Sends log lines and waits until the catalog has them, so a follower sees them before the end. */
  async function log(task: ClaimedTask, messages: string[], firstSequence = 1): Promise<void> {
    const events = messages.map((message, i) => ({
      sequenceNumber: firstSequence + i,
      time: new Date().toISOString(),
      type: 'information' as const,
      source: 'stdout',
      message,
    }));
    await worker(postEvents, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, events } });
    for (let tries = 0; tries < 200; tries++) {
      const page = await master.admin(listExecutionEvents, { params: { executionId: task.executionId }, query: { after: 0 } });
      if (page.events.some((e) => e.message === messages.at(-1))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the events never reached the catalog');
  }

  async function complete(task: ClaimedTask, outcome: TaskOutcome, exitCode: number, message: string): Promise<void> {
    await worker(completeTask, { params: { taskId: task.taskId }, body: { attemptNumber: task.attemptNumber, outcome, exitCode, message } });
  }

  /** Stops an execution the test left waiting, so the next test's claim gets its own. */
  async function stopIfWaiting(executionId: number): Promise<void> {
    const execution = await master.admin(getExecution, { params: { executionId } });
    if ([1, 2, 5].includes(execution.status)) await master.admin(stopExecution, { params: { executionId } });
  }

  const idFrom = (result: CliResult): number => Number(/execution (\d+)/i.exec(result.stdout)?.[1]);

  beforeAll(async () => {
    master = await startTestMaster();
    env = masterEnv(master);
    await master.admin(enableScaleOut, {});
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    const identity = await createWorkerIdentity('node-a');
    workerAgentId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId } });
    worker = workerCaller(identity, master.url, master.host.certificateThumbprint);
  });
  afterAll(async () => {
    worker?.close();
    await master?.stop();
  });

  it('create, set-param, add-worker, start, show and stop mirror the SSISDB procedures', async () => {
    const created = await cli(['execution', 'create', 'Finance/ETL/extract', '--param', 'SourcePath=/in.csv', '--param', 'ApiToken=s3cret']);
    expect(created.code).toBe(0);
    const id = idFrom(created);
    expect(created.stdout).toBe(`Created execution ${id} of Finance/ETL/extract (not started).\nStart it: scaleout execution start ${id}\n`);

    const waiting = await cli(['execution', 'show', String(id)]);
    expect(waiting.stdout).toMatch(/^Status +created \(1\)$/m);
    expect(waiting.stdout).toMatch(/^Waiting +created, not started: start it/m);

    expect((await cli(['execution', 'set-param', String(id), 'BatchSize=250'])).code).toBe(0);
    const added = await cli(['execution', 'add-worker', String(id), 'node-a']);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`may run on node-a (${workerAgentId})`);

    const started = await cli(['execution', 'start', String(id), '--retry', '2']);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`Started execution ${id} of Finance/ETL/extract: pending`);

    const shown = await cli(['execution', 'show', String(id)]);
    expect(shown.stdout).toMatch(/^Status +pending \(5\)$/m);
    expect(shown.stdout).toMatch(new RegExp(`^Workers +only node-a \\(${workerAgentId}\\)$`, 'm'));
    expect(shown.stdout).toMatch(/^Retries +2 allowed, 1 attempt\(s\)$/m);
    expect(shown.stdout).toMatch(/^ApiToken +\*{8} \(sensitive\)$/m);
    expect(shown.stdout).toMatch(/^BatchSize +250$/m);
    expect(shown.stdout).not.toContain('s3cret');

    const json = await cli(['execution', 'show', String(id), '--json']);
    expect(JSON.parse(json.stdout)).toEqual(await master.admin(getExecution, { params: { executionId: id } }));

    const stopped = await cli(['execution', 'stop', String(id)]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toBe(`Execution ${id} is canceled.\n`);
  });

  it('passes on the master\'s parameter checks: every missing required one at once, a wrong type', async () => {
    const files = sampleProjectFiles();
    const manifest = JSON.parse(files['scaleout.json']!) as { packages: { parameters?: unknown[] }[] };
    manifest.packages[0]!.parameters!.push({ name: 'TargetTable', dataType: 'String', required: true });
    const body = await zipFiles({ ...files, 'scaleout.json': JSON.stringify(manifest) });
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'Twice' }, body });
    const missing = await cli(['execution', 'run', 'Finance/Twice/extract']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(lines(missing.stderr)).toEqual([
      "error: --param SourcePath is required by package 'extract' and has no value; --param TargetTable is required by package 'extract' and has no value",
    ]);

    const wrongType = await cli(['execution', 'run', 'Finance/ETL/extract', '--param', 'SourcePath=/x', '--param', 'BatchSize=many']);
    expect(wrongType.code).toBe(1);
    expect(lines(wrongType.stderr)).toEqual(["error: --param BatchSize: expected an Int32, got 'many'"]);
  });

  it('rejects malformed arguments before sending anything (exit 2)', async () => {
    const before = (await master.admin(listExecutions, {})).executions.length;
    const cases: [string[], string][] = [
      [['execution', 'run', 'Finance/ETL/extract', '--param', 'SourcePath'], "error: --param 'SourcePath': expected NAME=VALUE"],
      [['execution', 'run', 'Finance/ETL'], "error: 'Finance/ETL': expected FOLDER/PROJECT/PACKAGE, e.g. Finance/ETL/extract"],
      [['execution', 'run', 'Finance/ETL/extract', '--timeout', '5m'], 'error: --timeout goes with --wait'],
      [['execution', 'run', 'Finance/ETL/extract', '--retry', '11'], 'error: --retry must be at most 10'],
      [['execution', 'run', 'Finance/ETL/extract', '--worker', 'nobody'], "error: worker 'nobody' was not found (scaleout worker list shows them)"],
      [['execution', 'list', '--status', 'exploded'], expect.stringContaining("error: --status: 'exploded' is not a status")],
    ] as never;
    for (const [args, message] of cases) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(args.includes('nobody') ? 4 : 2);
      expect(lines(result.stderr)).toEqual([message]);
    }
    expect((await master.admin(listExecutions, {})).executions).toHaveLength(before);
  });

  it('run --wait shows the worker and the log lines as they arrive, and exits 0 when the execution succeeds', async () => {
    const running = cli(['execution', 'run', 'Finance/ETL/extract', '--param', 'SourcePath=/data/in.csv', '--wait']);
    const task = await claim();
    await log(task, ['extracting /data/in.csv', 'read 1200 rows']);
    await complete(task, 'succeeded', 0, 'extracted 1200 rows');
    const result = await running;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe(`Started execution ${task.executionId} of Finance/ETL/extract.`);
    const order = [
      out.findIndex((l) => l === 'Attempt 1 runs on node-a.'),
      out.findIndex((l) => / INFO {2}stdout: extracting \/data\/in\.csv$/.test(l)),
      out.findIndex((l) => / INFO {2}stdout: read 1200 rows$/.test(l)),
      out.findIndex((l) => new RegExp(`^Execution ${task.executionId} succeeded in .*: extracted 1200 rows\\.$`).test(l)),
    ];
    expect(order.every((i) => i >= 0), result.stdout).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('run --wait exits 10 with the status message when the execution fails, and --json prints the final state', async () => {
    const running = cli(['execution', 'run', 'Finance/ETL/load', '--wait', '--json']);
    const task = await claim();
    await log(task, ['loading', 'ERROR: target table is locked']);
    await complete(task, 'failed', 1, 'exit code 1');
    const result = await running;
    expect(result.code).toBe(10);
    expect(JSON.parse(result.stdout)).toMatchObject({ executionId: task.executionId, status: 4, statusName: 'failed' });
    expect(result.stderr).toContain('stdout: ERROR: target table is locked');
    expect(lines(result.stderr).at(-1)).toMatch(new RegExp(`^error: execution ${task.executionId} failed after .*: exit code 1$`));
  });

  it('run --wait retries a failed attempt (start_execution @retry_count) and says so', async () => {
    const running = cli(['execution', 'run', 'Finance/ETL/load', '--retry', '1', '--wait']);
    const first = await claim();
    await complete(first, 'failed', 2, 'flaky network');
    const second = await claim();
    expect(second).toMatchObject({ executionId: first.executionId, attemptNumber: 2 });
    await complete(second, 'succeeded', 0, 'loaded');
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Attempt 1 runs on node-a.');
    expect(result.stdout).toContain('Attempt 2 runs on node-a (retry 1 of 1).');
    expect(result.stdout).toMatch(/succeeded in .*: loaded\.$/m);
  });

  it('run --wait exits 11 when the execution is stopped while it waits', async () => {
    const running = cli(['execution', 'run', 'Finance/ETL/load', '--tag', 'never-present', '--wait']);
    let id: number | undefined;
    for (let tries = 0; tries < 100 && id === undefined; tries++) {
      id = (await master.admin(listExecutions, { query: { status: [5] } })).executions[0]?.executionId;
      if (id === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await master.admin(stopExecution, { params: { executionId: id! } });
    const result = await running;
    expect(result.code).toBe(11);
    expect(result.stdout).toMatch(/is pending: no worker it may run on has all the tags never-present\.$/m);
    expect(lines(result.stderr)).toEqual([`error: execution ${id} was canceled: stopped by apikey:${master.adminKey.split('_')[1]}`]);
  });

  it('run --wait --timeout exits 13 and leaves the execution going', async () => {
    const result = await cli(['execution', 'run', 'Finance/ETL/load', '--tag', 'never-present', '--wait', '--timeout', '1s']);
    expect(result.code).toBe(13);
    const id = idFrom(result);
    expect(lines(result.stderr)).toEqual([
      `error: timed out after 1.0 s waiting for execution ${id}, which is pending; it goes on (scaleout execution show ${id})`,
    ]);
    expect((await master.admin(getExecution, { params: { executionId: id } })).status).toBe(5);
    await stopIfWaiting(id);
  });

  it('stops waiting on Ctrl-C (exit 130), saying the execution goes on', async () => {
    const interrupt = new AbortController();
    let id: number | undefined;
    // Ctrl-C once the CLI says it waits, not before: a press during the start request is an interruption of that.
    const onStdout = (text: string) => {
      const pending = /^Execution (\d+) is pending/m.exec(text);
      if (pending) {
        id = Number(pending[1]);
        interrupt.abort();
      }
    };
    const running = cli(['execution', 'run', 'Finance/ETL/load', '--tag', 'never-present', '--wait'], { signal: interrupt.signal, onStdout });
    const result = await running;
    expect(result.code).toBe(130);
    expect(lines(result.stderr)).toEqual([`error: stopped waiting; execution ${id} goes on (stop it: scaleout execution stop ${id})`]);
    expect((await master.admin(getExecution, { params: { executionId: id! } })).status).toBe(5);
    await stopIfWaiting(id!);
  });

  it('logs prints the event messages; --follow follows until the execution has ended', async () => {
    const started = await cli(['execution', 'run', 'Finance/ETL/extract', '--param', 'SourcePath=/f.csv', '--json']);
    const id = (JSON.parse(started.stdout) as { executionId: number }).executionId;
    const task = await claim();
    await log(task, ['first line']);
    const following = cli(['execution', 'logs', String(id), '--follow']);
    await log(task, ['second line', 'third line'], 2);
    await complete(task, 'succeeded', 0, 'done');
    const followed = await following;
    expect(followed.code).toBe(0);
    expect(lines(followed.stdout).map((l) => l.replace(/^\S+ INFO {2}stdout: /, ''))).toEqual(['first line', 'second line', 'third line']);
    expect(followed.stderr).toBe(`Execution ${id} succeeded.\n`);

    const all = await cli(['execution', 'logs', String(id)]);
    expect(lines(all.stdout)).toHaveLength(3);
    const json = await cli(['execution', 'logs', String(id), '--json']);
    expect(JSON.parse(json.stdout)).toEqual(await master.admin(listExecutionEvents, { params: { executionId: id }, query: { after: 0 } }));
  });

  it('lists executions newest first, filtered by status', async () => {
    const all = await cli(['execution', 'list']);
    expect(all.code).toBe(0);
    const [header, first] = lines(all.stdout);
    expect(header).toMatch(/^ *ID +STATUS +PACKAGE +WORKER +ATTEMPTS +CREATED +DURATION$/);
    const newest = (await master.admin(listExecutions, {})).executions[0]!;
    expect(first).toMatch(new RegExp(`^ *${newest.executionId} +${newest.statusName} +Finance/ETL/extract +node-a +1 `));

    const failed = await cli(['execution', 'list', '--status', 'failed', '--json']);
    const parsed = JSON.parse(failed.stdout) as { executions: { status: number }[] };
    expect(parsed.executions.length).toBeGreaterThan(0);
    expect(parsed.executions.every((e) => e.status === 4)).toBe(true);
  });

  it('names a removed worker by the display name its attempts kept, in show and list', async () => {
    const identity = await createWorkerIdentity('node-gone');
    const goneId = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!.workerAgentId;
    await master.admin(enableWorker, { params: { workerAgentId: goneId } });
    const gone = workerCaller(identity, master.url, master.host.certificateThumbprint);
    try {
      const started = await cli(['execution', 'run', 'Finance/ETL/extract', '--param', 'SourcePath=/g.csv', '--worker', 'node-gone', '--json']);
      const id = (JSON.parse(started.stdout) as { executionId: number }).executionId;
      const { tasks } = await gone(claimTasks, { body: { freeSlots: 1, waitMs: 2000 } });
      await gone(completeTask, { params: { taskId: tasks[0]!.taskId }, body: { attemptNumber: 1, outcome: 'succeeded', exitCode: 0, message: 'done' } });
      expect((await cli(['worker', 'remove', 'node-gone', '--yes'])).code).toBe(0);

      const shown = await cli(['execution', 'show', String(id)]);
      expect(shown.stdout).toMatch(new RegExp(`^ +1 +succeeded +node-gone \\(${goneId}\\) `, 'm'));
      const listed = lines((await cli(['execution', 'list'])).stdout);
      expect(listed.find((line) => line.trimStart().startsWith(`${id} `))).toMatch(/ Finance\/ETL\/extract +node-gone +1 /);
    } finally {
      gone.close();
    }
  });

  it('reports an unknown execution with exit code 4', async () => {
    for (const args of [['show', '424242'], ['logs', '424242'], ['stop', '424242'], ['start', '424242']]) {
      const result = await cli(['execution', ...args]);
      expect(result.code, args.join(' ')).toBe(4);
      expect(lines(result.stderr)).toEqual(["error: execution '424242' was not found"]);
    }
  });
});
