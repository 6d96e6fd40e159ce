import { ConfigError } from '../config/master-config.js';
import { startLocalHost } from './local-host.js';

/**
 * `node dist/functions/local-host/main.js`: runs the master on this machine until Ctrl-C. Settings come from the
 * environment (see README, "Master settings"); `npm start` runs this with a local worker beside it.
 */
try {
  const host = await startLocalHost();
  const { config } = host.services;
  console.log(`Scale Out master listening on ${host.url} (${config.localHost.host}:${host.port})`);
  console.log(`  catalog: ${config.catalog.engine === 'sqlite' ? config.catalog.path : 'Azure SQL / SQL Server'}`);
  console.log(`  certificate thumbprint (workers pin it as MasterHttpsCertThumbprint): ${host.certificateThumbprint}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      console.log('Second signal: exiting now.');
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: stopping the master…`);
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
