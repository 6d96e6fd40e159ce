import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listWorkers } from '../contracts/management/endpoints.js';
import { projectRoot } from '../functions/project.js';
import { runDemoBatch, type PlannedExecution } from './onebox/demo-batch.js';
import { demoSummary, progressBar } from './onebox/demo-report.js';
import { fileLogger } from './onebox/file-logger.js';
import { OneBox } from './onebox/onebox.js';
import { dataPaths, oneBoxSettings } from './onebox/settings.js';
import { stopOnSignals } from './onebox/stop-on-signals.js';

/**
 * `npm run demo`: a one-box with two workers, a batch of executions of the example packages (one fails and then
 * succeeds on its retry, one is stopped while it runs), a summary table, and everything stopped again. Exits 0
 * when every execution ended as planned. Its state is a fresh .data/demo (SCALEOUT_DATA_FOLDER), on a free port
 * unless SCALEOUT_PORT says otherwise, so it can run beside `npm start`.
 */
const env = { ...process.env, SCALEOUT_DATA_FOLDER: process.env['SCALEOUT_DATA_FOLDER'] || join('.data', 'demo'), SCALEOUT_PORT: process.env['SCALEOUT_PORT'] || '0' };
const settings = oneBoxSettings(env, process.cwd());
await rm(settings.dataFolder, { recursive: true, force: true });
const paths = dataPaths(settings.dataFolder);
const masterLog = fileLogger(paths.masterLog, (line) => console.error(`[master] ${line}`));
const workerLogs = fileLogger(join(settings.dataFolder, 'logs', 'workers.log'), () => undefined);
const oneBox = new OneBox({
  settings,
  workers: [1, 2].map((n) => ({ name: `demo-${n}`, displayName: `demo-worker-${n}`, description: 'A worker of npm run demo.', maxTaskCount: 3 })),
  examplesFolder: join(projectRoot(), 'examples'),
  say: (line) => console.log(line),
  masterLog,
  workerLine: (worker, line) => workerLogs.info(`[${worker.name}] ${line}`),
});
// Ctrl-C stops the one-box; the batch then fails on its next call and the demo ends with exit code 1.
stopOnSignals(oneBox, (line) => console.log(line)).catch((error: unknown) => console.error(error));

const warehouse = { WarehouseFolder: join(settings.dataFolder, 'warehouse') };
const loads: PlannedExecution[] = [
  ...[1, 2, 3].map((n): PlannedExecution => ({ label: `load ${n}`, packagePath: 'Examples/SalesEtl/load-sales', parameters: { ...warehouse, RowDelayMs: 200 }, expect: 'succeeds' })),
  { label: 'signed load', packagePath: 'Examples/SalesEtl/load-sales', parameters: { ...warehouse, SigningKey: 'demo-signing-key' }, expect: 'succeeds' },
  { label: 'source down on attempt 1', packagePath: 'Examples/SalesEtl/load-sales', parameters: { ...warehouse, FailFirstAttempt: true }, retryCount: 1, expect: 'fails then succeeds on retry' },
  { label: 'stopped while running', packagePath: 'Examples/SalesEtl/load-sales', parameters: { ...warehouse, RowDelayMs: 5000 }, expect: 'is stopped' },
  { label: '4 child executions', packagePath: 'Examples/FanOut/fan-out', parameters: { Partitions: 4 }, expect: 'succeeds' },
];
const report: PlannedExecution[] = [{ label: 'reads the loads', packagePath: 'Examples/SalesEtl/sales-report', parameters: warehouse, expect: 'succeeds' }];

let failed: boolean;
try {
  const ready = await oneBox.start();
  console.log(`Scale Out demo running on ${ready.url}/ with ${ready.workers.map((w) => w.displayName).join(' and ')}; its log: ${paths.masterLog}`);
  const bar = progressBar((text) => process.stdout.write(text), process.stdout.isTTY === true);
  const outcome = await runDemoBatch(ready.api, [loads, report], (progress) => bar.update(progress));
  bar.done();
  const { workers } = await ready.api(listWorkers, {});
  console.log(`\n${demoSummary(outcome, new Map(workers.map((w) => [w.workerAgentId, w.displayName])))}\n`);
  failed = outcome.planned.some((p) => p.problem !== undefined);
  console.log(failed ? 'The demo did NOT go as planned (see the check column above).' : 'Every execution ended as planned.');
} catch (error) {
  failed = true;
  console.error(`The demo failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await oneBox.stop();
  masterLog.close();
  workerLogs.close();
}
process.exitCode = failed ? 1 : 0;
