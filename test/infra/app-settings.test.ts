import { readFileSync } from 'node:fs';
import { ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  azureRequiredSettingNames,
  masterSettingsSchema,
  parseMasterConfig,
  platformSettingNames,
} from '../../functions/config/master-config.js';
import { functionTable } from '../../functions/function-table.js';
import { createAzureCredential } from '../../functions/identity/azure-credential.js';
import { masterAppSettingNames } from '../support/bicep-app-settings.js';

/** Plausible values for every setting the Bicep gives, as Azure would resolve them. */
const azureValues: Record<string, string> = {
  SCALEOUT_MASTER_ADDRESS: 'https://func-scaleout-abc.azurewebsites.net',
  SCALEOUT_CATALOG_CONNECTION:
    'Server=tcp:sql-scaleout-abc.database.windows.net,1433;Database=scaleout;Authentication=Active Directory Managed Identity;Encrypt=True',
  SCALEOUT_KEY_VAULT_URL: 'https://kv-scaleout-abc.vault.azure.net/',
  SCALEOUT_EVENT_QUEUE_NAME: 'scaleout-events',
  SCALEOUT_ALARM_QUEUE_NAME: 'scaleout-alarms',
  SCALEOUT_ARCHIVE_CONTAINER: 'project-archives',
  SCALEOUT_CATALOG_POOL_SIZE: '3',
  SCALEOUT_CLAIM_MAX_WAIT_MS: '0',
  // The Key Vault reference, as the platform resolves it before the master reads it.
  SCALEOUT_DOORBELL_CONNECTION: 'DefaultEndpointsProtocol=https;AccountName=stbellabc;AccountKey=a2V5;EndpointSuffix=core.windows.net',
  SCALEOUT_ENTRA_AUTH: 'false',
  AzureWebJobsStorage__accountName: 'stscaleoutabc',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__queueServiceUri: 'https://stscaleoutabc.queue.core.windows.net/',
  AzureWebJobsStorage__blobServiceUri: 'https://stscaleoutabc.blob.core.windows.net/',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
  SCALEOUT_SAFETY_SWEEP_SCHEDULE: '0 0 */2 * * *',
  SCALEOUT_CLEANUP_SCHEDULE: '0 0 */12 * * *',
};

describe("the Function App's app settings in the Bicep", () => {
  it('are all settings the master accepts: its own, or the platform\'s', async () => {
    const accepted = new Set<string>([...Object.keys(masterSettingsSchema.shape), ...platformSettingNames]);
    const unknown = (await masterAppSettingNames()).filter((name) => !accepted.has(name));
    expect(unknown).toEqual([]);
  });

  it('include every setting the master requires in Azure, and every schedule and queue name its functions name', async () => {
    const given = new Set(await masterAppSettingNames());
    const named = functionTable.flatMap((fn) =>
      fn.kind === 'timer' ? [fn.scheduleSetting] : fn.kind === 'queue' ? [fn.queueSetting] : [],
    );
    expect([...azureRequiredSettingNames, ...named].filter((name) => !given.has(name))).toEqual([]);
  });

  it("are the settings the README's \"Check the deployment\" tells a user to find, no more and no fewer", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = /### Check the deployment\n([\s\S]*?)\n2\. /.exec(readme)?.[1];
    if (section === undefined) throw new Error('README.md has no "### Check the deployment" section with a step 2');
    const listed = [...section.matchAll(/`((?:SCALEOUT|AzureWebJobsStorage|APPLICATIONINSIGHTS)_\w+)`/g)].map((match) => match[1]);
    expect(new Set(listed)).toEqual(new Set(await masterAppSettingNames()));
  });

  it('leave the runtime to functionAppConfig, as Flex Consumption requires', async () => {
    const names = await masterAppSettingNames();
    expect(names).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    expect(names).not.toContain('FUNCTIONS_EXTENSION_VERSION');
  });

  it('make a valid Azure configuration of the master', async () => {
    const names = await masterAppSettingNames();
    expect(names.filter((name) => azureValues[name] === undefined)).toEqual([]);
    const env = Object.fromEntries(names.map((name) => [name, azureValues[name]]));
    const config = parseMasterConfig(env, 'azure');
    expect(config).toMatchObject({
      hosting: 'azure',
      masterAddress: 'https://func-scaleout-abc.azurewebsites.net',
      catalog: { engine: 'mssql', poolSize: 3 },
      keyStore: { kind: 'key-vault' },
      eventQueue: { name: 'scaleout-events', storage: { kind: 'managed-identity' } },
      claimMaxWaitMs: 0,
      doorbell: { connectionString: expect.stringContaining('AccountName=stbellabc') },
      // Archives in the container storage.bicep creates, reached at the blob endpoint it outputs.
      projectArchives: {
        container: 'project-archives',
        storage: { kind: 'managed-identity', blobServiceUri: 'https://stscaleoutabc.blob.core.windows.net/' },
      },
      // The agent build the master hands out: uploaded to a container of the same account (ADR 0004).
      agentDownloads: {
        kind: 'blob',
        container: 'agent-downloads',
        storage: { kind: 'managed-identity', blobServiceUri: 'https://stscaleoutabc.blob.core.windows.net/' },
      },
    });
    // The system-assigned identity, the one the Bicep grants its roles to, for SQL, Key Vault and Storage alike.
    expect(config.azureIdentity).toEqual({ kind: 'managed-identity' });
    expect(createAzureCredential(config.azureIdentity)).toBeInstanceOf(ManagedIdentityCredential);
  });
});
