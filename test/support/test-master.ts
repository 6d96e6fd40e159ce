import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callEndpoint } from '../../contracts/client.js';
import type { EndpointInput, EndpointOutput, EndpointSpec } from '../../contracts/endpoint.js';
import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import { generateApiKey } from '../../functions/auth/api-keys.js';
import type { Logger } from '../../functions/http/api-request.js';
import { startLocalHost, type LocalHost } from '../../functions/local-host/local-host.js';

export interface TestMaster {
  host: LocalHost;
  url: string;
  folder: string;
  /** An admin API key created straight in the catalog (what `npm start` does on first run). */
  adminKey: string;
  /** Calls the management API as the admin. */
  admin: ManagementCaller;
  /** Calls with any key (or none). */
  as(apiKey: string | undefined): ManagementCaller;
  logs: string[];
  stop(): Promise<void>;
}

export type ManagementCaller = <E extends EndpointSpec>(endpoint: E, input: EndpointInput<E>) => Promise<EndpointOutput<E>>;

/**
 * A real local host on a temporary folder: SQLite catalog, its own Azurite, HTTPS on a free port. Settings can be
 * overridden per test (e.g. a short lease).
 */
export async function startTestMaster(options: { env?: Record<string, string>; timers?: boolean; folder?: string } = {}): Promise<TestMaster> {
  const folder = options.folder ?? mkdtempSync(join(tmpdir(), 'scaleout-master-'));
  const logs: string[] = [];
  const log: Logger = {
    info: (message, details) => logs.push(`info ${message} ${JSON.stringify(details ?? {})}`),
    warn: (message, details) => logs.push(`warn ${message} ${JSON.stringify(details ?? {})}`),
    error: (message, details) => logs.push(`error ${message} ${JSON.stringify(details ?? {})}`),
  };
  const host = await startLocalHost({
    env: {
      SCALEOUT_CATALOG_SQLITE_PATH: join(folder, 'catalog.sqlite'),
      SCALEOUT_KEY_FOLDER: join(folder, 'keys'),
      SCALEOUT_PORT: '0',
      ...options.env,
    },
    log,
    ...(options.timers !== undefined ? { timers: options.timers } : {}),
  });
  const key = generateApiKey();
  await host.services.catalog.insertApiKey({ apiKeyId: key.apiKeyId, name: 'test admin', role: 'admin', keyHash: key.keyHash }, 'test');
  const transports: NodeHttpsTransport[] = [];
  const as = (apiKey: string | undefined): ManagementCaller => {
    const transport = new NodeHttpsTransport({ baseUrl: host.url, pinnedThumbprint: host.certificateThumbprint });
    transports.push(transport);
    return (endpoint, input) =>
      callEndpoint(transport, endpoint, input, apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {});
  };
  return {
    host,
    url: host.url,
    folder,
    adminKey: key.secret,
    admin: as(key.secret),
    as,
    logs,
    async stop() {
      for (const transport of transports) transport.close();
      await host.stop();
      if (!options.folder) rmSync(folder, { recursive: true, force: true });
    },
  };
}
