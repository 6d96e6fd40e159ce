// Scale Out in Azure: the master (Functions on Flex Consumption) with its catalog (Azure SQL serverless), event
// queue (Storage), certificate and keys (Key Vault) and monitoring (Application Insights). Deployed into one
// resource group by `azd up` or `az deployment group create`.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Name of the environment (the azd environment name); it seeds every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption: `az functionapp list-flexconsumption-locations`.')
param location string = resourceGroup().location

@minValue(40)
@maxValue(1000)
@description('Most instances the master scales out to. Each keeps up to catalogPoolSize connections to the catalog.')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Memory of each master instance, in MB.')
param instanceMemoryMB int = 2048

// Flex Consumption adds an instance when each one has this many HTTP requests in flight (its default at 2048 MB is
// 16). In Azure a claim answers at once (claimMaxWaitMs 0) and holds a catalog connection only for its statements,
// so 16 short requests share an instance's catalogPoolSize connections without holding requests open for work.
@minValue(1)
@maxValue(1000)
@description('HTTP requests in flight on one master instance before Flex Consumption adds another.')
param httpPerInstanceConcurrency int = 16

@minValue(0)
@maxValue(120000)
@description('Cap, in milliseconds, on how long a worker\'s task claim waits for work (SCALEOUT_CLAIM_MAX_WAIT_MS). 0 on a consumption plan: a held request costs execution time, and idle workers wait for their doorbell instead.')
param claimMaxWaitMs int = 0

@description('Name of the catalog database.')
param sqlDatabaseName string = 'scaleout'

@minValue(1)
@maxValue(80)
@description('Most vCores the serverless catalog database scales to.')
param sqlMaxVCores int = 2

// Every master instance has its own pool, so maximumInstanceCount × catalogPoolSize connections may run requests at
// once. Serverless General Purpose allows 75 concurrent workers per vCore (150 at 2 vCores) and 30,000 sessions
// (azure-sql resource-limits-vcore-single-databases); past the workers the database answers 10928. The defaults,
// 40 × 3 = 120, stay within 2 vCores; raise sqlMaxVCores with either.
@minValue(1)
@maxValue(100)
@description('Connections each master instance keeps to the catalog (SCALEOUT_CATALOG_POOL_SIZE). Keep maximumInstanceCount × catalogPoolSize within 75 × sqlMaxVCores.')
param catalogPoolSize int = 3

@description('Fewest vCores the serverless catalog database keeps while online, as a decimal string.')
param sqlMinVCores string = '0.5'

@description('Minutes without activity before the catalog database pauses (at least 15 when pausing is on); -1 keeps it online.')
param sqlAutoPauseDelayMinutes int = 60

@description('Display name of a person or group to make db_owner of the catalog (e.g. the DBAs\' group); empty for none.')
param catalogAdministratorName string = ''

@description('Entra object ID of that person or group.')
param catalogAdministratorObjectId string = ''

@allowed([
  'User'
  'Group'
])
@description('Whether catalogAdministratorName is a User or a Group.')
param catalogAdministratorType string = 'Group'

@description('Put App Service authentication with Microsoft Entra ID in front of the management API (API keys keep working; workers keep their certificate-signed tokens).')
param enableEntraAuth bool = false

@description('Client (application) ID of the Entra app registration management callers get tokens for; required when enableEntraAuth is true.')
param entraClientId string = ''

@description('Turn on Key Vault purge protection (recommended: the data key cannot be recreated). Turn off only for throwaway environments.')
param keyVaultPurgeProtection bool = true

@description('Name of the Key Vault; empty: kv-scaleout-<token of the resource group, environment and region>. With purge protection a deleted vault keeps its name for 90 days: after azd down, either recover it (az keyvault recover) or name a new one here.')
param keyVaultName string = ''

var resourceToken = toLower(uniqueString(resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var masterAppName = 'func-scaleout-${resourceToken}'
var eventQueueName = 'scaleout-events'
var alarmQueueName = 'scaleout-alarms'
var deploymentContainerName = 'app-package'
var archiveContainerName = 'project-archives'

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: 'log-scaleout-${resourceToken}'
    applicationInsightsName: 'appi-scaleout-${resourceToken}'
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: 'stscaleout${resourceToken}'
    deploymentContainerName: deploymentContainerName
    archiveContainerName: archiveContainerName
    eventQueueName: eventQueueName
    alarmQueueName: alarmQueueName
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'key-vault'
  params: {
    location: location
    tags: tags
    name: empty(keyVaultName) ? 'kv-scaleout-${take(resourceToken, 11)}' : keyVaultName
    purgeProtection: keyVaultPurgeProtection
  }
}

module doorbell 'app/doorbell.bicep' = {
  name: 'doorbell'
  params: {
    location: location
    tags: tags
    name: 'stbell${take(resourceToken, 18)}'
    keyVaultName: keyVault.outputs.name
  }
}

module catalog 'app/catalog.bicep' = {
  name: 'catalog'
  params: {
    location: location
    tags: tags
    serverName: 'sql-scaleout-${resourceToken}'
    databaseName: sqlDatabaseName
    administratorIdentityName: 'id-sql-admin-${resourceToken}'
    maxVCores: sqlMaxVCores
    minVCores: sqlMinVCores
    autoPauseDelayMinutes: sqlAutoPauseDelayMinutes
  }
}

module master 'app/master.bicep' = {
  name: 'master'
  params: {
    location: location
    tags: tags
    name: masterAppName
    planName: 'plan-scaleout-${resourceToken}'
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerName: deploymentContainerName
    archiveContainerName: storage.outputs.archiveContainerName
    eventQueueName: eventQueueName
    alarmQueueName: alarmQueueName
    sqlServerFqdn: catalog.outputs.serverFqdn
    sqlDatabaseName: catalog.outputs.databaseName
    keyVaultUri: keyVault.outputs.uri
    doorbellConnectionSecretUri: doorbell.outputs.connectionSecretUri
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    catalogPoolSize: catalogPoolSize
    instanceMemoryMB: instanceMemoryMB
    claimMaxWaitMs: claimMaxWaitMs
    enableEntraAuth: enableEntraAuth
    entraClientId: entraClientId
  }
}

module access 'app/access.bicep' = {
  name: 'access'
  params: {
    principalId: master.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module catalogUsers 'app/catalog-users.bicep' = {
  name: 'catalog-users'
  params: {
    location: location
    tags: tags
    sqlServerName: catalog.outputs.serverName
    databaseName: catalog.outputs.databaseName
    administratorIdentityName: catalog.outputs.administratorIdentityName
    masterAppName: master.outputs.name
    catalogAdministratorName: catalogAdministratorName
    catalogAdministratorObjectId: catalogAdministratorObjectId
    catalogAdministratorType: catalogAdministratorType
  }
}

// azd stores these outputs in the environment (.azure/<env>/.env). None is named SCALEOUT_*: the master refuses
// SCALEOUT_* variables it does not know, and must not pick these up by accident on a developer's machine.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output MASTER_URL string = master.outputs.url
output SERVICE_MASTER_NAME string = master.outputs.name
output AZURE_FUNCTION_APP_NAME string = master.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_EVENT_QUEUE_NAME string = eventQueueName
output AZURE_DOORBELL_STORAGE_ACCOUNT_NAME string = doorbell.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_SQL_SERVER_NAME string = catalog.outputs.serverName
output AZURE_SQL_SERVER_FQDN string = catalog.outputs.serverFqdn
output AZURE_SQL_DATABASE_NAME string = catalog.outputs.databaseName
output AZURE_SQL_ADMIN_IDENTITY_NAME string = catalog.outputs.administratorIdentityName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
