import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../functions/project.js';

type Package = (parameters: Record<string, unknown>, context: unknown) => Promise<unknown>;

const project = join(projectRoot(), 'examples', 'sales-etl');
const load = async (entry: string) => ((await import(pathToFileURL(join(project, entry)).href)) as { default: Package }).default;

describe('the SalesEtl example keeps its warehouse in the worker\'s data', () => {
  const tasksRoot = mkdtempSync(join(tmpdir(), 'scaleout-examples-test-'));
  afterAll(() => rmSync(tasksRoot, { recursive: true, force: true }));

  /** A context as the node runner gives it, for attempt 1 of task `taskId` under this TasksRootFolder. */
  function context(taskId: number) {
    const taskDir = join(tasksRoot, 'tasks', `${taskId}.1`);
    mkdirSync(taskDir, { recursive: true });
    const quiet = () => undefined;
    return { log: quiet, warn: quiet, error: quiet, progress: quiet, signal: new AbortController().signal, taskDir, projectDir: project, attemptNumber: 1, executionId: taskId };
  }

  it('with no WarehouseFolder, load-sales writes under TasksRootFolder and sales-report reads it there', async () => {
    const loaded = (await (await load('load-sales.mjs'))({ SourceFile: 'data/orders-2026-10.csv', WarehouseFolder: '', RowDelayMs: 0 }, context(1))) as { dailyTotals: number };
    expect(existsSync(join(tasksRoot, 'examples', 'warehouse', 'daily-sales.json'))).toBe(true);
    // The first task's folder is gone by the time the report runs, as the worker removes it.
    rmSync(join(tasksRoot, 'tasks', '1.1'), { recursive: true });
    await expect((await load('sales-report.mjs'))({ WarehouseFolder: '' }, context(2))).resolves.toBeDefined();
    expect(loaded.dailyTotals).toBeGreaterThan(0);
  });
});
