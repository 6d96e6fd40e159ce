import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// The warehouse both packages share: one JSON file of daily sales by region, on the worker that runs them.

/**
 * `<folder>/daily-sales.json`; with no folder, under the worker's own data: its TasksRootFolder (the task's folder is
 * `<TasksRootFolder>/tasks/<task>`, removed after the attempt, so the warehouse lives two levels up, where every
 * later package on this worker finds it).
 */
export function warehouseFile(folder, context) {
  return join(folder || join(dirname(dirname(context.taskDir)), 'examples', 'warehouse'), 'daily-sales.json');
}

/** The warehouse's rows, or none when nothing was loaded yet. */
export async function readWarehouse(file) {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return { loads: [], rows: [] };
    throw error;
  }
}

/** Replaces the file in one step: a reader never sees half a load, and a load that fails leaves the last one. */
export async function writeWarehouse(file, warehouse) {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify(warehouse, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
