import { join, resolve } from 'node:path';

/** Where the one-box keeps everything, and the settings its master runs with. */
export interface OneBoxSettings {
  /** `SCALEOUT_DATA_FOLDER`, absolute. @default .data */
  dataFolder: string;
  /** The master's settings: the environment, with the catalog and keys placed in the data folder unless set. */
  masterEnv: Record<string, string | undefined>;
}

/** What lives where in the data folder. */
export function dataPaths(dataFolder: string) {
  return {
    catalog: join(dataFolder, 'catalog.sqlite'),
    keys: join(dataFolder, 'keys'),
    /** The first admin API key (the local host puts Azurite's data beside the catalog: `azurite/`). */
    adminKey: join(dataFolder, 'admin-api-key'),
    /** One folder per local worker: WorkerSettings.json, its key and certificate, tasks, report cache, logs. */
    worker: (name: string) => join(dataFolder, 'workers', name),
    /** The master's log (its requests and timers); warnings and errors are shown on the terminal as well. */
    masterLog: join(dataFolder, 'logs', 'master.log'),
    /** What the one-box deployed from examples/, to redeploy only what changed. */
    deployedExamples: join(dataFolder, 'deployed-examples.json'),
  };
}

/**
 * The one-box's settings: a pure function of the environment and the working folder. `SCALEOUT_DATA_FOLDER`
 * moves the whole state (catalog, keys, Azurite, workers, admin key) elsewhere, e.g. to try a fresh one-box.
 */
export function oneBoxSettings(env: Record<string, string | undefined>, cwd: string): OneBoxSettings {
  const dataFolder = resolve(cwd, env['SCALEOUT_DATA_FOLDER'] || '.data');
  const paths = dataPaths(dataFolder);
  return {
    dataFolder,
    masterEnv: {
      ...env,
      SCALEOUT_CATALOG_SQLITE_PATH: env['SCALEOUT_CATALOG_SQLITE_PATH'] || paths.catalog,
      SCALEOUT_KEY_FOLDER: env['SCALEOUT_KEY_FOLDER'] || paths.keys,
    },
  };
}
