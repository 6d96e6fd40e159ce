import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedTask, EventType } from '../../contracts/worker-protocol.js';
import { ArchiveCache } from '../../worker-agent/archive-cache.js';
import { LocalPackageExecutor } from '../../worker-agent/package-executor.js';
import { DtexecRunner, dtexecParameterArguments } from '../../worker-agent/runners/dtexec-runner.js';
import { NodeRunner } from '../../worker-agent/runners/node-runner.js';
import { ProcessRunner } from '../../worker-agent/runners/process-runner.js';
import type { PackageExit } from '../../worker-agent/runners/run-package.js';
import { PackageLaunchError } from '../../worker-agent/runners/runner.js';
import { TaskAbort } from '../../worker-agent/task-abort.js';
import { eventually, FakeClock } from './support/fake-clock.js';
import { claimedTask } from './support/fake-master.js';
import { isRunning } from './support/processes.js';
import { zipFolder } from './support/zip.js';

const fixtures = fileURLToPath(new URL('../fixtures/worker-packages/', import.meta.url));
// The node runner's host runs compiled, as it ships (global setup builds dist/).
const hostScript = fileURLToPath(new URL('../../dist/worker-agent/runners/node-package-host.js', import.meta.url));

let root: string;
let archive: Buffer;
let archiveRef: ClaimedTask['archive'];
const leftovers: number[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-runners-'));
  archive = await zipFolder(fixtures);
  archiveRef = { projectVersionId: 7, sha256: createHash('sha256').update(archive).digest('hex'), size: archive.length };
});

afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  exit: Promise<PackageExit>;
  lines: { stream: string; text: string }[];
  events: { type: EventType; message: string }[];
  results: string[];
  notes: string[];
  controller: AbortController;
  clock: FakeClock;
}

function start(task: Partial<ClaimedTask>, options: { graceMs?: number; whenReady?: () => Promise<void> | undefined } = {}): Run {
  const clock = new FakeClock();
  const executor = new LocalPackageExecutor({
    tasksFolder: join(root, 'tasks'),
    archives: new ArchiveCache(join(root, 'archives'), async () => archive),
    runners: [new NodeRunner({ hostScript }), new ProcessRunner(), new DtexecRunner()],
    master: { url: 'https://master.test:8391', thumbprint: 'ab'.repeat(20) },
    clock,
    graceMs: options.graceMs ?? 10_000,
  });
  const run: Run = { lines: [], events: [], results: [], notes: [], controller: new AbortController(), clock, exit: Promise.resolve() as never };
  run.exit = executor.execute(claimedTask({ archive: archiveRef, ...task }), {
    signal: run.controller.signal,
    output: {
      line: (stream, text) => run.lines.push({ stream, text }),
      event: (type, message) => run.events.push({ type, message }),
      result: (message) => run.results.push(message),
      whenReady: () => options.whenReady?.(),
    },
    note: (message) => run.notes.push(message),
  });
  return run;
}

function lineMatching(run: Run, pattern: RegExp): RegExpMatchArray | undefined {
  for (const { text } of run.lines) {
    const match = pattern.exec(text);
    if (match) return match;
  }
  return undefined;
}

describe('the node runner (a module run in a child process)', () => {
  it('runs a package that succeeds and ships its log, progress and plain output', async () => {
    const run = start({ runner: 'node', entry: 'node-succeeds.mjs', arguments: ['nightly', 'load'] });
    const exit = await run.exit;
    expect(exit).toMatchObject({ exitCode: 0, abort: undefined });
    expect(run.events).toEqual([
      { type: 'information', message: 'hello from nightly load' },
      { type: 'progress', message: '50% half way' },
      { type: 'warning', message: 'a warning from the package' },
      { type: 'progress', message: '100%' },
    ]);
    expect(run.lines).toContainEqual({ stream: 'stdout', text: 'a plain stdout line' });
  });

  it("takes a node package's return value as its result (the attempt's message), as JSON", async () => {
    const run = start({ runner: 'node', entry: 'node-returns-result.mjs' });
    expect(await run.exit).toMatchObject({ exitCode: 0 });
    expect(run.results).toEqual([JSON.stringify({ rows: 42, target: 'warehouse' })]);
  });

  it('reports a package whose promise rejects as exit code 1 with the error', async () => {
    const run = start({ runner: 'node', entry: 'node-throws.mjs' });
    expect((await run.exit).exitCode).toBe(1);
    expect(run.events.find((e) => e.type === 'error')?.message).toContain('the input file is missing');
  });

  it("runs the package in a process of its own, not in the agent's", async () => {
    const run = start({ runner: 'node', entry: 'node-print-parameters.mjs', parameters: { Evil: 'x' } });
    await run.exit;
    expect(run.events[0]?.type).toBe('information');
    // The package saw its own environment: it is a child process with the task's variables.
    expect(JSON.parse(run.events[0]?.message ?? '{}')).toEqual({ argument: { Evil: 'x' }, env: 'x' });
    expect(process.env.SCALEOUT_PARAM_Evil).toBeUndefined();
  });

  it('lets a package that watches its signal clean up when it is canceled', async () => {
    const run = start({ runner: 'node', entry: 'node-waits-for-cancel.mjs' });
    await eventually(() => run.events.some((e) => e.message === 'waiting for work'), 'the package to start');
    run.controller.abort(new TaskAbort('canceled', 'the execution is being stopped', false));
    const exit = await run.exit;
    expect(exit.abort?.reason).toBe('canceled');
    expect(run.events.map((e) => e.message)).toContain('canceled: cleaning up');
  });

  it('logs a package that gives up with an AbortError on cancel as stopped, not as failed with a stack', async () => {
    const run = start({ runner: 'node', entry: 'node-sleeps-until-stopped.mjs' });
    await eventually(() => run.events.some((e) => e.message === 'waiting for work'), 'the package to start');
    run.controller.abort(new TaskAbort('canceled', 'the execution is being stopped', false));
    const exit = await run.exit;
    expect(exit.abort?.reason).toBe('canceled');
    expect(run.events).toEqual([
      { type: 'information', message: 'waiting for work' },
      { type: 'information', message: 'the package stopped when asked to' },
    ]);
  });

  it('refuses a TypeScript module on a Node.js without type stripping, saying why', async () => {
    const runner = new NodeRunner({ hostScript, nodeVersion: '20.19.0' });
    const request = { task: claimedTask({ entry: 'main.ts' }), projectDir: root, taskDir: root, env: {} };
    await expect(runner.launch(request)).rejects.toThrow(/needs Node\.js 22\.6 or later.*20\.19\.0/);
    const on22 = await new NodeRunner({ hostScript, nodeVersion: '22.6.0' }).launch(request);
    expect(on22.args[0]).toBe('--experimental-strip-types');
  });
});

describe('the process runner (any executable)', () => {
  it('reports a package that exits 1 with its exit code and stderr', async () => {
    const run = start({ runner: 'process', entry: 'exit-one.mjs' });
    const exit = await run.exit;
    expect(exit).toMatchObject({ exitCode: 1, abort: undefined });
    expect(run.lines).toEqual([
      { stream: 'stdout', text: 'loading rows' },
      { stream: 'stderr', text: 'about to fail: the target table is locked' },
    ]);
  });

  it('runs a program from the PATH by its bare name, with the arguments of the manifest', async () => {
    const run = start({ runner: 'process', entry: 'node', arguments: ['print-parameters.mjs', 'a b', '--flag=$HOME'] });
    expect((await run.exit).exitCode).toBe(0);
    const printed = JSON.parse(run.lines[0]?.text ?? '{}') as { args: string[]; cwd: string; projectDir: string };
    expect(printed.args).toEqual(['a b', '--flag=$HOME']);
    expect(printed.cwd).toBe(printed.projectDir);
  });

  it('passes parameter values full of shell metacharacters verbatim, in the environment and the JSON file', async () => {
    const evil = `$(rm -rf ~); "'\`; echo pwned > /tmp/scaleout-pwned | & && \\ \n * ?`;
    const parameters = { Evil: evil, 'Batch.Size': 500, DryRun: false };
    const run = start({ runner: 'process', entry: 'print-parameters.mjs', parameters });
    expect((await run.exit).exitCode).toBe(0);
    const printed = JSON.parse(run.lines[0]?.text ?? '{}') as { env: string; dotted: string; file: unknown };
    expect(printed.env).toBe(evil);
    expect(printed.dotted).toBe('500');
    expect(printed.file).toEqual(parameters);
  });

  it('holds a package that prints faster than its lines are taken: its writes wait until the agent is ready', async () => {
    const lines = 200_000;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let gateOpen = false;
    void gate.then(() => (gateOpen = true));
    const run = start({ runner: 'process', entry: 'node', arguments: ['print-many-lines.mjs', String(lines)] }, { whenReady: () => (gateOpen ? undefined : gate) });
    let exited = false;
    void run.exit.then(() => (exited = true));
    await eventually(() => run.lines.length > 0, 'the first lines');
    const heldAt = run.lines.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Held: what was already in the pipe arrived, no more; the package is still waiting on its writes.
    expect(exited).toBe(false);
    expect(run.lines.length).toBeLessThan(lines / 4);
    expect(run.lines.length).toBeLessThanOrEqual(heldAt + 20_000);
    open();
    expect((await run.exit).exitCode).toBe(0);
    expect(run.lines).toHaveLength(lines);
    expect(run.lines.at(-1)).toEqual({ stream: 'stdout', text: `line ${lines}` });
  });

  it('fails clearly when the entry is missing from the project', async () => {
    await expect(start({ runner: 'process', entry: 'bin/missing.sh' }).exit).rejects.toThrow(/"bin\/missing.sh" is not in the project/);
    await expect(start({ runner: 'process', entry: '../../etc/passwd' }).exit).rejects.toThrow(PackageLaunchError);
  });

  it('kills a package and its grandchild on cancel: no process of the tree survives', async () => {
    const run = start({ runner: 'process', entry: 'spawn-grandchild.mjs' });
    await eventually(() => lineMatching(run, /grandchild (\d+)/) !== undefined, 'the grandchild to start');
    const [, packagePid, grandchildPid] = lineMatching(run, /package (\d+) grandchild (\d+)/) ?? [];
    leftovers.push(Number(packagePid), Number(grandchildPid));
    expect(isRunning(Number(grandchildPid))).toBe(true);

    run.controller.abort(new TaskAbort('canceled', 'the execution is being stopped', false));
    const exit = await run.exit;
    expect(exit.abort?.reason).toBe('canceled');
    expect(exit.signal).toBe('SIGTERM');
    await eventually(() => !isRunning(Number(grandchildPid)), 'the grandchild to be gone', 5000);
    expect(isRunning(Number(packagePid))).toBe(false);
  });

  it('kills a package that ignores SIGTERM once the grace period is over', async () => {
    const run = start({ runner: 'process', entry: 'spawn-grandchild.mjs', arguments: ['--ignore-term'] }, { graceMs: 10_000 });
    await eventually(() => lineMatching(run, /grandchild (\d+)/) !== undefined, 'the grandchild to start');
    const [, packagePid, grandchildPid] = lineMatching(run, /package (\d+) grandchild (\d+)/) ?? [];
    leftovers.push(Number(packagePid), Number(grandchildPid));

    run.controller.abort(new TaskAbort('canceled', 'the execution is being stopped', false));
    await eventually(() => run.lines.some((l) => l.text === 'package ignores SIGTERM'), 'SIGTERM to reach the package');
    expect(isRunning(Number(packagePid))).toBe(true);
    await run.clock.advance(10_000);
    const exit = await run.exit;
    expect(exit.signal).toBe('SIGKILL');
    await eventually(() => !isRunning(Number(grandchildPid)) && !isRunning(Number(packagePid)), 'the tree to be gone', 5000);
  });

  it('kills at once, without a grace period, when the lease is lost', async () => {
    const run = start({ runner: 'process', entry: 'spawn-grandchild.mjs', arguments: ['--ignore-term'] });
    await eventually(() => lineMatching(run, /grandchild (\d+)/) !== undefined, 'the grandchild to start');
    const [, packagePid, grandchildPid] = lineMatching(run, /package (\d+) grandchild (\d+)/) ?? [];
    leftovers.push(Number(packagePid), Number(grandchildPid));
    run.controller.abort(new TaskAbort('lease-lost', 'the lease was lost', true));
    const exit = await run.exit;
    expect(exit).toMatchObject({ signal: 'SIGKILL', abort: { reason: 'lease-lost' } });
    await eventually(() => !isRunning(Number(grandchildPid)), 'the grandchild to be gone', 5000);
  });

  it('gives every attempt its own folder under TasksRootFolder and removes it afterwards', async () => {
    const run = start({ runner: 'process', entry: 'node', arguments: ['print-parameters.mjs'], taskId: 4242, attemptNumber: 3 });
    await run.exit;
    const printed = JSON.parse(run.lines[0]?.text ?? '{}') as { cwd: string };
    expect(printed.cwd).toBe(join(root, 'tasks', '4242.3', 'project'));
    expect(readdirSync(join(root, 'tasks'))).not.toContain('4242.3');
  });
});

describe('the dtexec runner (SSIS .dtsx packages)', () => {
  it('fails the task with a clear reason on a worker that is not Windows', async () => {
    const runner = new DtexecRunner({ platform: 'linux' });
    const request = { task: claimedTask({ runner: 'dtexec', entry: 'Load.dtsx' }), projectDir: root, taskDir: root, env: {} };
    await expect(runner.launch(request)).rejects.toThrow(
      'dtexec packages run only on Windows workers with SQL Server Integration Services installed; this worker runs linux',
    );
  });

  it('fails clearly on Windows without SSIS, and otherwise starts DTExec with /F and one /Par argument per parameter', async () => {
    const task = claimedTask({
      runner: 'dtexec',
      entry: 'Load.dtsx',
      arguments: ['/Set', '\\Package.Variables[User::Mode].Properties[Value];full'],
      parameters: { Evil: `$(rm -rf ~); "'`, '$Project::Server': 'db01', Enabled: true },
    });
    const request = { task, projectDir: root, taskDir: root, env: {} };
    await expect(new DtexecRunner({ platform: 'win32', locateDtexec: async () => undefined }).launch(request)).rejects.toThrow(
      /DTExec\.exe was not found: install SQL Server Integration Services/,
    );
    const launch = await new DtexecRunner({ platform: 'win32', locateDtexec: async () => 'C:\\SSIS\\DTExec.exe' }).launch(request);
    expect(launch.command).toBe('C:\\SSIS\\DTExec.exe');
    expect(launch.args).toEqual([
      '/F',
      join(root, 'Load.dtsx'),
      '/Par',
      `$Package::Evil;$(rm -rf ~); "'`,
      '/Par',
      '$Project::Server;db01',
      '/Par',
      '$Package::Enabled;True',
      '/Set',
      '\\Package.Variables[User::Mode].Properties[Value];full',
    ]);
    expect(dtexecParameterArguments({})).toEqual([]);
  });
});
