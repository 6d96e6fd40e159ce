import { NodeHttpsTransport } from '../../contracts/node-https-transport.js';
import type { WorkerSettings } from '../config/settings.js';
import type { WorkerIdentity } from '../identity/certificate.js';
import { WorkerTokenSigner } from '../identity/worker-token.js';
import { HttpMasterClient } from './master-client.js';

/**
 * The worker's line to the master: one keep-alive HTTPS connection pool (MasterHttpsCertThumbprint pins the
 * master's certificate when set), every request carrying a token signed with the worker's key.
 */
export function connectToMaster(
  settings: Pick<WorkerSettings, 'masterEndpoint' | 'masterHttpsCertThumbprint'>,
  identity: WorkerIdentity,
  now: () => number,
): { master: HttpMasterClient; close(): void } {
  const signer = new WorkerTokenSigner(identity, { audience: settings.masterEndpoint, now });
  const transport = new NodeHttpsTransport({
    baseUrl: settings.masterEndpoint,
    pinnedThumbprint: settings.masterHttpsCertThumbprint,
    headers: () => signer.authorizationHeader(),
  });
  return { master: new HttpMasterClient(transport), close: () => transport.close() };
}
