import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesInGroup, processesMentioning, runNpm } from './npm-scripts.js';

describe('npm run demo', () => {
  it('runs the batch on two workers, prints the summary, exits 0 and leaves nothing running', { timeout: 300_000 }, async () => {
    const dataFolder = mkdtempSync(join(tmpdir(), 'scaleout-demo-'));
    const demo = runNpm(['run', 'demo'], { SCALEOUT_DATA_FOLDER: dataFolder });
    expect(await demo.exited).toBe(0);
    const output = demo.output();
    expect(output).toMatch(/Scale Out demo running on https:\/\/localhost:\d+\/ with demo-worker-1 and demo-worker-2/);
    expect(output).toMatch(/\[#{30}\] 8\/8 ended, 0 running, 0 waiting/);
    expect(output).toMatch(/ \(source down on attempt 1\) +fails then succeeds on retry +succeeded +2 +ok$/m);
    expect(output).toMatch(/ \(stopped while running\) +is stopped +canceled +1 +ok$/m);
    expect(output).toMatch(/^succeeded +11$/m);
    expect(output).toMatch(/^canceled +1$/m);
    expect(output).toMatch(/^demo-worker-1 +\d+$/m);
    expect(output).toMatch(/^demo-worker-2 +\d+$/m);
    expect(output).toMatch(/^Examples\/FanOut\/sum-partition +4 +/m);
    expect(output).toContain('Every execution ended as planned.');
    expect(processesInGroup(demo.child.pid!)).toEqual([]);
    expect(processesMentioning(dataFolder)).toEqual([]);
    rmSync(dataFolder, { recursive: true, force: true });
  });
});
