import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { generateApiKey } from '../../functions/auth/api-keys.js';
import { createCatalog } from '../../functions/catalog/create-catalog.js';
import { SqliteEngine } from '../../functions/catalog/sqlite/engine.js';
import { AesGcmValueCipher } from '../../functions/catalog/value-cipher.js';
import { startAzurite, type RunningAzurite } from '../../functions/local-host/azurite.js';
import { StorageQueue } from '../../functions/queues/storage-queue.js';
import { startChildMaster, type ChildMaster } from './child-master.js';

export type AdminCaller = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>) => Promise<EndpointOutput<E>>;

export interface SharedCatalogMasters {
  folder: string;
  catalogPath: string;
  azurite: RunningAzurite;
  hosts: ChildMaster[];
  /** The management API of one host, as an admin. */
  admin(host: ChildMaster): AdminCaller;
  /** A queue of the shared storage, as the masters see it. */
  queue(name: string): StorageQueue;
  stop(): Promise<void>;
}

/**
 * Several masters as their own processes over one SQLite catalog and one Azurite, as instances of one Function
 * App share Azure SQL and a storage account. `env` adds settings to every host.
 */
export async function startSharedCatalogMasters(count: number, env: Record<string, string> = {}): Promise<SharedCatalogMasters> {
  const folder = mkdtempSync(join(tmpdir(), 'scaleout-shared-'));
  const catalogPath = join(folder, 'catalog.sqlite');
  const hosts: ChildMaster[] = [];
  const transports: NodeHttpsTransport[] = [];
  let azurite: RunningAzurite | undefined;
  const stop = async (): Promise<void> => {
    for (const transport of transports) transport.close();
    await Promise.all(hosts.map((host) => host.stop()));
    await azurite?.stop();
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    azurite = await startAzurite(join(folder, 'azurite'));
    const settings = { SCALEOUT_CATALOG_SQLITE_PATH: catalogPath, SCALEOUT_KEY_FOLDER: join(folder, 'keys'), AzureWebJobsStorage: azurite.connectionString, ...env };
    // One after the other: the first creates the keys and certificate the next ones read.
    for (let i = 0; i < count; i++) hosts.push(await startChildMaster(settings));
    const adminKey = await insertAdminKey(catalogPath);
    const connectionString = azurite.connectionString;
    return {
      folder,
      catalogPath,
      azurite,
      hosts,
      admin(host) {
        const transport = new NodeHttpsTransport({ baseUrl: host.url, pinnedThumbprint: host.certificateThumbprint });
        transports.push(transport);
        return adminCaller(transport, adminKey);
      },
      queue: (name) => StorageQueue.fromConnectionString(connectionString, name),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * An admin API key written straight into a master's SQLite catalog, as `npm start` does on first run. The catalog
 * is migrated first, so a test may seed it before any master starts (a no-op on one a master already migrated).
 */
export async function insertAdminKey(catalogPath: string): Promise<string> {
  const engine = new SqliteEngine({ filename: catalogPath });
  await engine.migrate();
  const catalog = createCatalog({ engine, cipher: new AesGcmValueCipher(Buffer.alloc(32)) });
  try {
    const key = generateApiKey();
    await catalog.insertApiKey({ apiKeyId: key.apiKeyId, name: 'test admin', role: 'admin', keyHash: key.keyHash }, 'test');
    return key.secret;
  } finally {
    await catalog.close();
  }
}

export function adminCaller(transport: NodeHttpsTransport, adminKey: string): AdminCaller {
  return (endpoint, input) => callEndpoint(transport, endpoint, input, { headers: { authorization: `Bearer ${adminKey}` } });
}
