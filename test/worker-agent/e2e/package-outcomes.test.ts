import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../contracts/client.js';
import { newArchiveName } from '../../../functions/projects/archive-store.js';
import {
  deployProject,
  disableWorker,
  enableScaleOut,
  enableWorker,
  getExecution,
  getWorker,
  stopExecution,
} from '../../../contracts/management/endpoints.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { isRunning } from '../support/processes.js';
import { renameEntry, zipEntries } from '../support/zip.js';
import { AgentProcess } from './support/agents.js';
import { deployE2eProject, executionEvents, startExecution, waitForEnd, waitForEvents } from './support/executions.js';
import { outputFolder, ProcessMarker, tearDownAndCheck, watchWarnings } from './support/processes.js';
import { e2eTestTimeoutMs, waitFor } from './support/wait.js';

/**
 * A real agent process (`scaleout-worker start`) against the real master (the local host over HTTPS, SQLite,
 * Azurite), running real packages as child processes: how each way a package can end shows in the catalog.
 */

let root: string;
let master: TestMaster;
let agent: AgentProcess;
const marker = new ProcessMarker();
const masterWarnings = watchWarnings();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-e2e-outcomes-'));
  // Every heartbeat reaches the catalog (not once per 5 minutes), so the disabled worker's test sees it keep talking.
  master = await startTestMaster({ env: { SCALEOUT_WORKER_ONLINE_WRITE_MS: '0' } });
  await master.admin(enableScaleOut, {});
  await deployE2eProject(master.admin);
  agent = await AgentProcess.init(root, 'outcomes-1', { url: master.url, thumbprint: master.host.certificateThumbprint }, marker);
  await agent.register(master.admin);
  agent.start();
});

afterAll(async () => {
  await tearDownAndCheck({ agents: agent ? [agent] : [], services: [master], marker, root, inProcess: masterWarnings });
}, 180_000);

describe('a real agent against the real master', { timeout: e2eTestTimeoutMs }, () => {
  it('runs a package that succeeds: status 7, its log and progress in the catalog, its file written', async () => {
    const out = outputFolder(root, 'succeed');
    const created = await startExecution(master.admin, 'succeed', { OutDir: out });
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 7, statusName: 'succeeded', statusMessage: 'succeed succeeded', workerAgentId: agent.workerAgentId });
    expect(ended.attempts).toMatchObject([{ attemptNumber: 1, state: 'succeeded', exitCode: 0, workerAgentId: agent.workerAgentId }]);
    expect(readFileSync(join(out, `succeed-${created.executionId}.txt`), 'utf8')).toBe('attempt 1\n');

    const events = await waitForEvents(master.admin, created.executionId, 'the package log', (e) => e.some((m) => m.message === 'done'));
    expect(events.map((e) => [e.messageTypeName, e.messageSourceName, e.message])).toEqual(
      expect.arrayContaining([
        ['information', 'package', `hello from execution ${created.executionId}, attempt 1`],
        ['progress', 'package', '50% half way'],
        ['information', 'package', 'done'],
      ]),
    );
    // Numbered 1, 2, 3… per attempt, each stored once.
    expect(events.map((e) => e.sequenceNumber)).toEqual(events.map((_, i) => i + 1));
  });

  it('runs a package that exits with 1: status 4 with its last error line as the message', async () => {
    const created = await startExecution(master.admin, 'fail', {});
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({
      status: 4,
      statusName: 'failed',
      statusMessage: 'fail exited with code 1: cannot open the source: connection refused',
    });
    expect(ended.attempts).toMatchObject([{ attemptNumber: 1, state: 'failed', exitCode: 1 }]);
    const events = await waitForEvents(master.admin, created.executionId, 'the failure', (e) => e.some((m) => m.messageTypeName === 'error'));
    expect(events.map((e) => [e.messageTypeName, e.messageSourceName, e.message])).toEqual(
      expect.arrayContaining([
        ['information', 'stdout', 'loading rows'],
        ['warning', 'stderr', 'cannot open the source: connection refused'],
        ['error', 'worker', 'fail exited with code 1: cannot open the source: connection refused'],
      ]),
    );
  });

  it("stops a package at its manifest's timeout: status 4 with a timeout message, and its process is gone", async () => {
    const out = outputFolder(root, 'hang');
    const created = await startExecution(master.admin, 'hang', { OutDir: out });
    expect(created.timeoutMs).toBe(3000);
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 4, statusName: 'failed', statusMessage: 'timed out after 3 s' });
    expect(ended.attempts).toMatchObject([{ attemptNumber: 1, state: 'failed' }]);
    const pid = Number(readFileSync(join(out, `hang-${created.executionId}.pid`), 'utf8'));
    expect(isRunning(pid)).toBe(false);
  });

  it('cancels from the management API: the whole tree goes, grandchildren ignoring SIGTERM included, and the execution ends canceled', async () => {
    const out = outputFolder(root, 'tree');
    const created = await startExecution(master.admin, 'tree', { OutDir: out });
    const pidFile = join(out, `tree-${created.executionId}.json`);
    await waitFor('the package tree to run', () => existsSync(pidFile), { timeoutMs: 60_000 });
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { package: number; grandchild: number; greatGrandchild: number };
    expect(Object.values(pids).map(isRunning)).toEqual([true, true, true]);

    const stopping = await master.admin(stopExecution, { params: { executionId: created.executionId } });
    expect(stopping).toMatchObject({ status: 8, statusName: 'stopping' });
    const ended = await waitForEnd(master.admin, created.executionId);
    expect(ended).toMatchObject({ status: 3, statusName: 'canceled' });
    expect(ended.attempts).toMatchObject([{ attemptNumber: 1, state: 'canceled', cancelRequested: true }]);
    // The agent reports `canceled` only once the tree is gone: SIGTERM was ignored, SIGKILL after the grace.
    expect(Object.values(pids).filter(isRunning)).toEqual([]);
    const events = await executionEvents(master.admin, created.executionId);
    expect(events.map((e) => e.message)).toEqual(expect.arrayContaining(['package: SIGTERM ignored', 'grandchild: SIGTERM ignored']));
  });
});

describe('scaleout-worker status against the real master', { timeout: e2eTestTimeoutMs }, () => {
  it('reports a registered worker accepted, and an unregistered one refused with the 401 reason', async () => {
    const accepted = await agent.status();
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/Master\s+https:\/\/localhost:\d+ answers \(pinned certificate matches\)/);
    expect(accepted.stdout).toMatch(/Accepted\s+yes: enabled, receives tasks/);
    expect(accepted.stdout).toMatch(new RegExp(`Agent\\s+running \\(pid ${agent.pid}\\)`));

    const stranger = await AgentProcess.init(root, 'unregistered', { url: master.url, thumbprint: master.host.certificateThumbprint }, marker);
    const refused = await stranger.status();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/Master\s+https:\/\/localhost:\d+ answers\n/);
    expect(refused.stdout).toMatch(
      /Accepted\s+NO \(HTTP 401\): no worker agent is registered with this certificate \(add it with `scaleout worker add`\)/,
    );
  });
});

describe('a disabled worker', { timeout: e2eTestTimeoutMs }, () => {
  it('gets no new task while disabled, and runs it once enabled again', async () => {
    const worker = await AgentProcess.init(root, 'disabled-1', { url: master.url, thumbprint: master.host.certificateThumbprint }, marker);
    const workerAgentId = await worker.register(master.admin);
    worker.start();
    try {
      await master.admin(disableWorker, { params: { workerAgentId } });
      await worker.waitForOutput(/the master has disabled this worker: no new tasks/);
      const status = await worker.status();
      expect(status.stdout).toMatch(/Accepted\s+yes, but disabled: no new tasks until an administrator enables it/);

      const out = outputFolder(root, 'disabled');
      const created = await startExecution(master.admin, 'succeed', { OutDir: out }, { workerAgentIds: [workerAgentId] });
      // The worker keeps talking to the master (its heartbeats move its last online time) and still gets nothing.
      const since = Date.now();
      await waitFor('three more heartbeats of the disabled worker', async () => {
        const seen = await master.admin(getWorker, { params: { workerAgentId } });
        return seen.lastOnlineTime !== null && Date.parse(seen.lastOnlineTime) > since + 4000;
      });
      const waiting = await master.admin(getExecution, { params: { executionId: created.executionId } });
      expect(waiting).toMatchObject({ status: 5, statusName: 'pending', attempts: [{ attemptNumber: 1, state: 'pending', workerAgentId: null }] });
      expect(waiting.waitingReason).toBe('the workers that could run it are disabled: disabled-1 (scaleout worker enable <id>)');

      await master.admin(enableWorker, { params: { workerAgentId } });
      const ended = await waitForEnd(master.admin, created.executionId, 120_000);
      expect(ended).toMatchObject({ status: 7, workerAgentId });
    } finally {
      await worker.stop();
    }
  });
});

describe('what the worker does not trust', { timeout: e2eTestTimeoutMs }, () => {
  it('hands a parameter full of shell metacharacters to node and shell packages verbatim', async () => {
    const value = `$(rm -rf ~); "'\` && touch ${root}/pwned; echo $HOME \\ * |`;
    const out = outputFolder(root, 'metacharacters');
    const viaNode = await startExecution(master.admin, 'echo-node', { OutDir: out, Value: value });
    const viaShell = await startExecution(master.admin, 'echo-shell', { OutDir: out, Value: value });
    expect((await waitForEnd(master.admin, viaNode.executionId)).status).toBe(7);
    expect((await waitForEnd(master.admin, viaShell.executionId)).status).toBe(7);

    expect(JSON.parse(readFileSync(join(out, 'echo-node.json'), 'utf8'))).toEqual({ parameter: value, environment: value, args: [] });
    expect(readFileSync(join(out, 'echo-shell.txt'), 'utf8')).toBe(value);
    expect(JSON.parse(readFileSync(join(out, 'echo-shell-parameters.json'), 'utf8'))).toEqual({ OutDir: out, Value: value });
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    expect(readFileSync(join(agent.home, 'canary'), 'utf8')).toBe('still here\n');
  });

  it.each([
    ['dot-dot', "climbs out of the project folder with '..'"],
    ['absolute', 'is an absolute path'],
  ] as const)('refuses an archive entry with a %s path, and the task fails saying so', async (kind, reason) => {
    const hostile = kind === 'dot-dot' ? '../escaped.txt' : `${root}/escaped-absolute.txt`;
    const projectName = kind === 'dot-dot' ? 'TamperedDotDot' : 'TamperedAbsolute';
    // yazl refuses to write such names: write a harmless one of the same length and swap the bytes.
    const harmless = `x${hostile.slice(1)}`;
    const manifest = { packages: [{ name: 'run', runner: 'process' as const, entry: 'run.sh' }] };
    const archive = renameEntry(
      await zipEntries([
        { name: 'scaleout.json', content: JSON.stringify(manifest) },
        { name: 'run.sh', content: '#!/bin/sh\necho ran\n', mode: 0o100755 },
        { name: harmless, content: 'escaped\n' },
      ]),
      harmless,
      hostile,
    );
    // The master refuses it on deploy…
    const refused = master.admin(deployProject, { params: { folderName: 'E2E', projectName }, body: archive });
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 400 });
    // …so here it stands for a catalog and a store tampered with behind the master's back: written there directly.
    const { archiveStore } = master.host.services;
    const archiveName = newArchiveName('E2E', projectName);
    const stored = await archiveStore.upload(archiveName, Readable.from([archive]));
    await master.host.services.catalog.deployProject(
      {
        folderName: 'E2E',
        projectName,
        archiveName,
        archiveSha256: stored.sha256,
        archiveSize: stored.size,
        manifest,
        packages: manifest.packages,
      },
      'test: a tampered catalog',
    );

    const created = await startExecution(master.admin, 'run', {}, { projectName });
    const ended = await waitForEnd(master.admin, created.executionId);
    const expected = `archive refused: entry ${JSON.stringify(hostile)} ${reason}`;
    expect(ended).toMatchObject({ status: 4, statusName: 'failed', statusMessage: expected });
    expect(ended.attempts).toMatchObject([{ attemptNumber: 1, state: 'failed', exitCode: null, resultMessage: expected }]);
    const events = await waitForEvents(master.admin, created.executionId, 'the refusal', (e) => e.some((m) => m.messageTypeName === 'error'));
    expect(events.map((e) => e.message)).toContain(expected);
    expect(events.map((e) => e.message)).not.toContain('ran');
    expect(existsSync(join(agent.folder, 'tasks', 'archives', 'escaped.txt'))).toBe(false);
    expect(existsSync(join(root, 'escaped-absolute.txt'))).toBe(false);
  });
});

describe('MaxTaskCount', { timeout: e2eTestTimeoutMs }, () => {
  it('never runs more than 4 packages at once on an agent with MaxTaskCount 4, and does run 4 at once', async () => {
    const worker = await AgentProcess.init(root, 'four-slots', { url: master.url, thumbprint: master.host.certificateThumbprint }, marker, {
      maxTaskCount: 4,
    });
    const workerAgentId = await worker.register(master.admin);
    const out = outputFolder(root, 'concurrency');
    const created = [];
    for (let i = 0; i < 10; i++) created.push(await startExecution(master.admin, 'concurrent', { OutDir: out }, { workerAgentIds: [workerAgentId] }));
    worker.start();
    try {
      for (const execution of created) expect((await waitForEnd(master.admin, execution.executionId, 180_000)).status).toBe(7);
    } finally {
      await worker.stop();
    }
    const records = readFileSync(join(out, 'concurrency.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [time, what, pid, seen] = line.split(' ');
        return { time: Number(time), what, pid: Number(pid), seen: Number(seen) };
      });
    expect(records.filter((r) => r.what === 'start')).toHaveLength(10);
    expect(records.filter((r) => r.what === 'end')).toHaveLength(10);
    // What the packages saw: never more than 4 markers, and 4 at some point.
    expect(Math.max(...records.map((r) => r.seen))).toBe(4);
    // The same from their start and end times: at most 4 overlap.
    const starts = new Map(records.filter((r) => r.what === 'start').map((r) => [r.pid, r.time]));
    const ends = new Map(records.filter((r) => r.what === 'end').map((r) => [r.pid, r.time]));
    for (const [pid, start] of starts) {
      const overlapping = [...starts.keys()].filter((other) => starts.get(other)! <= start && ends.get(other)! >= start);
      expect(overlapping.length, `packages running when ${pid} started`).toBeLessThanOrEqual(4);
    }
  });
});
