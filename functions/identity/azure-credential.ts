import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { MasterConfig } from '../config/master-config.js';

/**
 * The one credential the master signs in to Azure SQL, Key Vault and Storage with, built once per process so the
 * three share its token cache. In Azure it is the managed identity alone: DefaultAzureCredential would first
 * probe environment, workload identity and more on every cold start before reaching it. Nothing connects until a
 * token is asked for.
 */
export function createAzureCredential(identity: MasterConfig['azureIdentity']): TokenCredential {
  switch (identity.kind) {
    case 'managed-identity':
      return identity.clientId ? new ManagedIdentityCredential({ clientId: identity.clientId }) : new ManagedIdentityCredential();
    case 'developer':
      return new DefaultAzureCredential();
  }
}
