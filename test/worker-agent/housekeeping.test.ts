import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireAgentLock, AgentAlreadyRunningError } from '../../worker-agent/agent-lock.js';
import { cleanLeftoverTasks, packagePidFileName } from '../../worker-agent/leftover-tasks.js';
import { rollingFileSink } from '../../worker-agent/rolling-file.js';
import { eventually } from './support/fake-clock.js';
import { memoryLogger } from './support/logs.js';
import { isRunning } from './support/processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scaleout-worker-housekeeping-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('after a crash', () => {
  it.skipIf(process.platform !== 'linux')('kills the packages a dead agent left running and removes their folders', async () => {
    const taskDir = join(dir, '12.1');
    mkdirSync(taskDir);
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, SCALEOUT_TASK_DIR: taskDir },
    });
    // A process whose pid is recorded but which is not that task's package (a reused pid): left alone.
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    const otherDir = join(dir, '13.1');
    mkdirSync(otherDir);
    writeFileSync(join(taskDir, packagePidFileName), `${orphan.pid}\n`);
    writeFileSync(join(otherDir, packagePidFileName), `${bystander.pid}\n`);
    try {
      const log = memoryLogger();
      await cleanLeftoverTasks(dir, log);
      await eventually(() => !isRunning(orphan.pid ?? 0), 'the orphan to be killed');
      expect(isRunning(bystander.pid ?? 0)).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
      expect(log.count(`killing the package left running by a previous agent in ${taskDir}`)).toBe(1);
    } finally {
      orphan.kill('SIGKILL');
      bystander.kill('SIGKILL');
    }
  });

  it('refuses a second agent on the same configuration, and takes over the lock of a dead one', async () => {
    const lockFile = join(dir, 'agent.lock');
    writeFileSync(lockFile, `${process.ppid}\n`);
    await expect(acquireAgentLock(lockFile)).rejects.toThrow(AgentAlreadyRunningError);
    writeFileSync(lockFile, '999999999\n');
    const lock = await acquireAgentLock(lockFile);
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    await lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe("the agent's rolling log file", () => {
  it('rolls over at its size limit and keeps a few old files', () => {
    const path = join(dir, 'logs', 'scaleout-worker.log');
    const sink = rollingFileSink({ path, maxBytes: 100, keep: 2 });
    for (let i = 0; i < 12; i++) sink(`line ${i} ${'x'.repeat(30)}`, 'info');
    sink.close();
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['scaleout-worker.log', 'scaleout-worker.log.1', 'scaleout-worker.log.2']);
    expect(readFileSync(path, 'utf8')).toContain('line 11');
    expect(readFileSync(`${path}.1`, 'utf8')).toContain('line 8');
    for (const name of readdirSync(join(dir, 'logs'))) expect(readFileSync(join(dir, 'logs', name)).length).toBeLessThanOrEqual(100);
  });
});
