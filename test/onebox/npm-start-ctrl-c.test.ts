import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesMentioning, runNpm, scaleout, type NpmRun } from './npm-scripts.js';

/** The execution's status code, as `execution show --json` reports it. */
async function statusOf(executionId: number, cliEnv: Record<string, string>): Promise<number> {
  const shown = await scaleout(['execution', 'show', String(executionId), '--json'], cliEnv);
  expect(shown.code, shown.output).toBe(0);
  return (JSON.parse(shown.output) as { status: number }).status;
}

/** Starts load-sales, pausing `rowDelayMs` after each of its six batches, and waits until a worker runs it. */
async function startLoadWhileRunning(rowDelayMs: number, dataFolder: string, cliEnv: Record<string, string>): Promise<number> {
  const run = await scaleout(
    ['execution', 'run', 'Examples/SalesEtl/load-sales', '--param', `RowDelayMs=${rowDelayMs}`, '--param', `WarehouseFolder=${join(dataFolder, 'warehouse')}`, '--json'],
    cliEnv,
  );
  expect(run.code, run.output).toBe(0);
  const { executionId } = JSON.parse(run.output) as { executionId: number };
  const deadline = Date.now() + 60_000;
  while ((await statusOf(executionId, cliEnv)) !== 2) {
    if (Date.now() > deadline) throw new Error(`execution ${executionId} never ran`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return executionId;
}

async function startAndConnect(env: Record<string, string>, cliEnv: Record<string, string>): Promise<NpmRun> {
  const oneBox = runNpm(['start'], env);
  await oneBox.waitFor(/^Scale Out is ready: https:\/\/localhost:\d+\/$/m, 240_000);
  const connectLine = /scaleout (connect \S+ --thumbprint \S+ --api-key-stdin) < (\S+)/.exec(oneBox.output())!;
  const connected = await scaleout(connectLine[1]!.split(' '), cliEnv, readFileSync(connectLine[2]!, 'utf8'));
  expect(connected.code, connected.output).toBe(0);
  return oneBox;
}

describe('Ctrl-C under npm start, delivered to the whole process group as a terminal does', () => {
  it('drains on one press (the running package finishes, exit 0), and a second press a second later stops packages at once', { timeout: 600_000 }, async () => {
    const dataFolder = mkdtempSync(join(tmpdir(), 'scaleout-onebox-'));
    const env = { SCALEOUT_DATA_FOLDER: dataFolder, SCALEOUT_PORT: '0' };
    const cliEnv = { SCALEOUT_CONFIG: join(dataFolder, 'cli-config.json') };
    try {
      // One press: npm and the one-box both receive it, and npm forwards its copy; that is still one press.
      const first = await startAndConnect(env, cliEnv);
      const finishing = await startLoadWhileRunning(1_000, dataFolder, cliEnv);
      first.pressCtrlC();
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('SIGINT: stopping Scale Out');
      expect(first.output()).toMatch(/\[local worker\] .*draining: no new tasks; 1 running task\(s\) may finish/);
      expect(first.output()).not.toContain('SIGINT again');
      expect(first.output()).toContain('Scale Out stopped.');

      // The package was allowed to finish: the next start shows it succeeded.
      const second = await startAndConnect(env, cliEnv);
      expect(await statusOf(finishing, cliEnv)).toBe(7);

      // A second press, a second after the first was acknowledged, stops the running package at once.
      const stopped = await startLoadWhileRunning(60_000, dataFolder, cliEnv);
      second.pressCtrlC();
      await second.waitFor(/^SIGINT: stopping Scale Out/m, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      second.pressCtrlC();
      await second.waitFor(/^SIGINT again: stopping running packages at once/m, 10_000);
      expect(await second.exited).toBe(0);
      expect(second.output()).toMatch(/\[local worker\] .*stopping now: killing 1 running task\(s\)/);
      expect(second.output()).not.toContain('a third time');
      expect(processesMentioning(dataFolder)).toEqual([]);

      // Killed, not finished: the third start still has it to run again (given back) rather than succeeded.
      const third = await startAndConnect(env, cliEnv);
      expect(await statusOf(stopped, cliEnv)).not.toBe(7);
      third.pressCtrlC();
      expect(await third.exited).toBe(0);
    } finally {
      rmSync(dataFolder, { recursive: true, force: true });
    }
  });
});
