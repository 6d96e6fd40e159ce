import { resolve } from 'node:path';
import { SqliteEngine } from '../functions/catalog/sqlite/engine.js';
import { sqliteMigrations } from '../functions/catalog/sqlite/migrate.js';

/**
 * `npm start`: the one-box on this machine. For now it prepares the embedded catalog only; the master's local
 * host, Azurite and a local worker come with the next issues, and this command will start them all.
 */
const filename = resolve('.data/catalog.sqlite');
const engine = new SqliteEngine({ filename });
await engine.migrate();
await engine.destroy();
console.log(`Catalog ready: ${filename} (schema version ${sqliteMigrations.at(-1)?.version}).`);
console.log('Not yet here: the master host on https://localhost:8391, the event queue and a local worker.');
