import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../functions/config/master-config.js';
import { projectRoot } from '../functions/project.js';
import { fileLogger } from './onebox/file-logger.js';
import { nextSteps } from './onebox/next-steps.js';
import { OneBox, OneBoxStopped } from './onebox/onebox.js';
import { dataPaths, oneBoxSettings } from './onebox/settings.js';
import { stopOnSignals } from './onebox/stop-on-signals.js';

/**
 * `npm start`: SSIS Scale Out "on a single computer". The master (catalog migrated, Azurite, HTTPS on 8391), the
 * first admin API key, the example projects and one local worker, until Ctrl-C. Everything lives in .data/
 * (SCALEOUT_DATA_FOLDER), so the next start finds it all again.
 */
const settings = oneBoxSettings(process.env, process.cwd());
const masterLog = fileLogger(dataPaths(settings.dataFolder).masterLog, (line) => console.error(`[master] ${line}`));
const oneBox = new OneBox({
  settings,
  workers: [{ name: 'local', displayName: `${hostname()}-local`, description: 'The worker npm start runs beside the master.' }],
  examplesFolder: join(projectRoot(), 'examples'),
  say: (line) => console.log(line),
  masterLog,
  workerLine: (worker, line) => console.log(`[${worker.name} worker] ${line}`),
});
const stopped = stopOnSignals(oneBox, (line) => console.log(line));

try {
  const ready = await oneBox.start();
  console.log(nextSteps(ready, { cwd: process.cwd(), machineName: hostname() }));
  await stopped;
  process.exitCode = 0;
} catch (error) {
  if (error instanceof OneBoxStopped) {
    await stopped;
  } else {
    process.exitCode = error instanceof ConfigError ? 2 : 1;
    console.error(error instanceof Error ? error.message : String(error));
    await oneBox.stop();
  }
} finally {
  masterLog.close();
}
