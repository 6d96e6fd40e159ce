import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveCache } from '../../worker-agent/archive-cache.js';
import { LocalPackageExecutor } from '../../worker-agent/package-executor.js';
import { NodeRunner } from '../../worker-agent/runners/node-runner.js';
import { ProcessRunner } from '../../worker-agent/runners/process-runner.js';
import { agentHarness } from './support/agent-harness.js';
import { eventually, type FakeClock } from './support/fake-clock.js';
import { claimedTask } from './support/fake-master.js';
import { isRunning } from './support/processes.js';
import { zipFolder } from './support/zip.js';

/** The agent's loops with the real executor: real archives, real child processes; time still moved by hand. */
const fixtures = fileURLToPath(new URL('../fixtures/worker-packages/', import.meta.url));
const hostScript = fileURLToPath(new URL('../../dist/worker-agent/runners/node-package-host.js', import.meta.url));

let root: string;
let archive: Buffer;
const pids: number[] = [];
type Harness = Awaited<ReturnType<typeof agentHarness>>;
let h: Harness | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-real-'));
  archive = await zipFolder(fixtures);
});
afterEach(async () => {
  await h?.dispose();
  h = undefined;
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function harness(): Promise<Harness> {
  h = await agentHarness({
    executor: (clock: FakeClock) =>
      new LocalPackageExecutor({
        tasksFolder: join(root, 'tasks'),
        archives: new ArchiveCache(join(root, 'archives'), (id) => h?.master.downloadArchive(id) ?? Promise.reject(new Error('no master'))),
        runners: [new NodeRunner({ hostScript }), new ProcessRunner()],
        master: { url: 'https://master.test:8391' },
        clock,
        graceMs: 10_000,
      }),
  });
  h.master.archives.set(1, archive);
  return h;
}

const archiveRef = () => ({ projectVersionId: 1, sha256: createHash('sha256').update(archive).digest('hex'), size: archive.length });

function stdoutOf(harness: Harness, taskId: number): string[] {
  return harness.master.events.filter((e) => e.taskId === taskId).flatMap((e) => e.body.events.filter((x) => x.source === 'stdout').map((x) => x.message));
}

describe('real packages under the dispatcher', () => {
  it('stops a package that hangs once its timeout passes and reports it failed', async () => {
    const harnessed = await harness();
    const task = claimedTask({ runner: 'process', entry: 'hang.mjs', timeoutMs: 600_000, archive: archiveRef() });
    harnessed.master.queue.push(task);
    harnessed.start();
    await eventually(async () => {
      await harnessed.clock.advance(1000);
      return stdoutOf(harnessed, task.taskId).length > 0;
    }, 'the package to print its pid');
    const pid = Number(stdoutOf(harnessed, task.taskId)[0]?.replace('pid ', ''));
    pids.push(pid);
    expect(isRunning(pid)).toBe(true);
    await harnessed.clock.advance(600_000);
    await eventually(() => harnessed.master.completions.length === 1, 'the completion');
    expect(harnessed.master.completions[0]?.body).toMatchObject({ outcome: 'failed', message: 'timed out after 600 s' });
    expect(isRunning(pid)).toBe(false);
    expect(harnessed.master.downloads).toBe(1);
  });

  it('kills the whole tree of a package whose lease is lost, and reports no completion', async () => {
    const harnessed = await harness();
    const task = claimedTask({ runner: 'process', entry: 'spawn-grandchild.mjs', arguments: ['--ignore-term'], archive: archiveRef() });
    harnessed.master.queue.push(task);
    harnessed.start();
    await eventually(async () => {
      await harnessed.clock.advance(1000);
      return stdoutOf(harnessed, task.taskId).some((line) => line.includes('grandchild'));
    }, 'the grandchild to start');
    const [, packagePid, grandchildPid] = /package (\d+) grandchild (\d+)/.exec(stdoutOf(harnessed, task.taskId).join('\n')) ?? [];
    pids.push(Number(packagePid), Number(grandchildPid));
    harnessed.master.heartbeatHandler = (request) => harnessed.master.renewAll(request, { renewed: [], lost: request.tasks });
    await harnessed.clock.advance(10_000);
    await eventually(() => !isRunning(Number(grandchildPid)) && !isRunning(Number(packagePid)), 'the tree to be killed');
    await eventually(() => harnessed.dispatcher.taskCount === 0, 'the attempt to end');
    expect(harnessed.master.completions).toEqual([]);
    expect(harnessed.spool.pendingCount).toBe(0);
  });
});
