import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isRunning } from '../../support/processes.js';
import { waitFor } from './wait.js';

/**
 * Every process an end-to-end test starts (masters, agents, Azurite) gets a marker in its environment, and so does
 * everything they start in turn — packages inherit the agent's environment, their children the package's. Scanning
 * /proc for the marker finds every survivor, whoever its parent is now: an orphaned package of a killed agent, a
 * grandchild that escaped a cancel. The name does not start with SCALEOUT_, which the agent keeps from packages.
 */
export const markerVariable = 'E2E_PROCESS_MARKER';

export class ProcessMarker {
  readonly value = `scaleout-e2e-${randomUUID()}`;

  /** The environment entry to give every process the test starts. */
  get env(): Record<string, string> {
    return { [markerVariable]: this.value };
  }

  /** Every live (not zombie) process carrying the marker. */
  livePids(): number[] {
    const needle = Buffer.from(`\0${markerVariable}=${this.value}\0`);
    const pids: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (pid === process.pid) continue;
      let environ: Buffer;
      try {
        environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]);
      } catch {
        continue;
      }
      if (environ.includes(needle) && isRunning(pid)) pids.push(pid);
    }
    return pids;
  }

  /** Kills every marked process still running and waits until none is left; returns the ones it found. */
  async killAll(): Promise<number[]> {
    const found = this.livePids();
    for (const pid of found) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await waitFor('every marked process to end', () => this.livePids().length === 0, { timeoutMs: 20_000 });
    return found;
  }
}

/**
 * The warnings Node printed in a process's output — `(node:1234) MaxListenersExceededWarning: …` and the like: a
 * listener leak or a deprecated call in the agent or the master, which a user would see in their logs.
 */
export function nodeWarnings(...outputs: string[]): string[] {
  return outputs.flatMap((output) => output.split('\n').filter((line) => /\(node:\d+\) (\[\w+\] )?\w*Warning\b/.test(line)));
}

/** Collects the warnings Node emits in this process (the test's, where an in-process master runs) from now on. */
export function watchWarnings(): { warnings: string[]; stop(): void } {
  const warnings: string[] = [];
  const listener = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', listener);
  return { warnings, stop: () => process.off('warning', listener) };
}

/** Something an end-to-end file started: it stops, and may have printed output worth checking. */
export interface Stoppable {
  stop(): unknown;
  output?(): string;
}

export interface E2eTeardown {
  /** Stopped first, one after the other. */
  agents: Stoppable[];
  /** Stopped after the agents, in this order: the master and what serves it. */
  services: (Stoppable | undefined)[];
  marker: ProcessMarker;
  /** The file's temporary folder, removed once every process is gone. */
  root: string;
  /** Warnings collected in the test process, where an in-process master runs. */
  inProcess?: { warnings: string[]; stop(): void };
}

/**
 * Stops what an end-to-end file started, then checks what a user would see go wrong after it: a process that
 * outlived its agent, or a warning Node printed.
 */
export async function tearDownAndCheck(teardown: E2eTeardown): Promise<void> {
  const started = [...teardown.agents, ...teardown.services].filter((item) => item !== undefined);
  for (const item of started) await item.stop();
  teardown.inProcess?.stop();
  const leftovers = await teardown.marker.killAll();
  rmSync(teardown.root, { recursive: true, force: true });
  expect(leftovers, 'processes left running after the agents and the master stopped').toEqual([]);
  const outputs = started.map((item) => item.output?.() ?? '');
  expect(nodeWarnings(...outputs), 'Node warnings in the output of the agents and the master').toEqual([]);
  expect(teardown.inProcess?.warnings ?? [], 'Node warnings in the test process, where the master runs').toEqual([]);
}

/** A folder of its own under the file's temporary folder, for one test's package output. */
export function outputFolder(root: string, name: string): string {
  const dir = join(root, 'out', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
