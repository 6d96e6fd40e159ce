// The Scale Out master: a Function App on the Flex Consumption plan (Linux, Node 22) with a system-assigned
// identity that reaches storage, Key Vault, the catalog and Application Insights without any secret.

@description('Region of the plan and the app.')
param location string

@description('Tags applied to every resource (the app adds azd-service-name).')
param tags object

@description('Name of the Function App; its URL is https://<name>.azurewebsites.net.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the storage account used as AzureWebJobsStorage and for the event queue.')
param storageAccountName string

@description('Blob endpoint of that account, e.g. https://<account>.blob.core.windows.net/.')
param storageBlobEndpoint string

@description('Queue endpoint of that account, e.g. https://<account>.queue.core.windows.net/.')
param storageQueueEndpoint string

@description('Container the app package is deployed to.')
param deploymentContainerName string

@description('Blob container of that account the project archives are kept in.')
param archiveContainerName string

@description('Name of the event-message queue.')
param eventQueueName string

@description('Name of the master\'s alarm queue.')
param alarmQueueName string

@description('Fully qualified name of the catalog\'s logical server.')
param sqlServerFqdn string

@description('Name of the catalog database.')
param sqlDatabaseName string

@description('URI of the Key Vault holding the master\'s certificate and keys.')
param keyVaultUri string

@description('Key Vault secret holding the doorbell account\'s connection string (docs/adr/0001-a-doorbell-that-crosses-instances.md).')
param doorbellConnectionSecretUri string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Most instances the app scales out to.')
param maximumInstanceCount int

@description('Connections each instance keeps to the catalog.')
param catalogPoolSize int

@description('Memory of each instance, in MB.')
param instanceMemoryMB int

@description('HTTP requests in flight on one instance before the platform adds another.')
param httpPerInstanceConcurrency int

@description('Cap, in milliseconds, on how long a worker\'s task claim may wait for work before the master answers.')
param claimMaxWaitMs int

@description('Turn on App Service authentication with Microsoft Entra ID for the management API.')
param enableEntraAuth bool

@description('Client (application) ID of the Entra app registration that management callers get tokens for.')
param entraClientId string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'master' })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    // Flex Consumption takes the runtime, scale and deployment source from here, not from app settings:
    // FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE must not be set.
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  // The app settings, exactly these names (the master's configuration module reads them; a test compares the
  // two lists):
  //   SCALEOUT_MASTER_ADDRESS                    the app's https URL: workers' token audience, MASTER_ADDRESS
  //   SCALEOUT_CATALOG_CONNECTION                Azure SQL, logged in as the app's managed identity
  //   SCALEOUT_CATALOG_POOL_SIZE                 connections per instance, set with the instance cap (main.bicep)
  //   SCALEOUT_KEY_VAULT_URL                     where the certificate and keys live
  //   SCALEOUT_EVENT_QUEUE_NAME                  the event-message queue in AzureWebJobsStorage's account
  //   SCALEOUT_ARCHIVE_CONTAINER                 the project archives' blob container in that account
  //   SCALEOUT_CLAIM_MAX_WAIT_MS                 the long-poll cap (see below)
  //   SCALEOUT_ENTRA_AUTH                        'true' when App Service authentication fronts the management API
  //   AzureWebJobsStorage__accountName           identity-based host storage, as the Flex samples set it
  //   AzureWebJobsStorage__credential            'managedidentity': the system-assigned identity
  //   AzureWebJobsStorage__queueServiceUri       the queue endpoint, so the master's queue client needs no DNS suffix
  //   AzureWebJobsStorage__blobServiceUri        the blob endpoint, likewise for the archive store
  //   APPLICATIONINSIGHTS_CONNECTION_STRING      where telemetry goes
  //   APPLICATIONINSIGHTS_AUTHENTICATION_STRING  send it with the managed identity (local auth is off)
  //   SCALEOUT_*_SCHEDULE                        the timers' NCRONTAB schedules: the functions read them as %SETTING%
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      SCALEOUT_MASTER_ADDRESS: 'https://${app.properties.defaultHostName}'
      SCALEOUT_CATALOG_CONNECTION: 'Server=tcp:${sqlServerFqdn},1433;Database=${sqlDatabaseName};Authentication=Active Directory Managed Identity;Encrypt=True'
      SCALEOUT_KEY_VAULT_URL: keyVaultUri
      SCALEOUT_EVENT_QUEUE_NAME: eventQueueName
      SCALEOUT_ALARM_QUEUE_NAME: alarmQueueName
      SCALEOUT_ARCHIVE_CONTAINER: archiveContainerName
      SCALEOUT_CATALOG_POOL_SIZE: string(catalogPoolSize)
      // A claim held open waiting for work keeps an instance busy and billed for execution time, and counts
      // against the instance's HTTP concurrency (so idle workers can even cause scale-out). On Flex Consumption
      // claims are not held (0): an idle worker reads its doorbell, which any instance rings.
      SCALEOUT_CLAIM_MAX_WAIT_MS: string(claimMaxWaitMs)
      SCALEOUT_DOORBELL_CONNECTION: '@Microsoft.KeyVault(SecretUri=${doorbellConnectionSecretUri})'
      SCALEOUT_ENTRA_AUTH: enableEntraAuth ? 'true' : 'false'
      AzureWebJobsStorage__accountName: storageAccountName
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
      AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
      // Timers, in UTC as Flex runs them: slow on purpose. Leases and schedules are watched by alarms (messages
      // of the alarm queue, due when something is); the safety sweep runs every 2 h, longer than the catalog's
      // auto-pause delay (1 h), so an idle master lets the database pause (docs/adr/0002).
      SCALEOUT_SAFETY_SWEEP_SCHEDULE: '0 0 */2 * * *'
      SCALEOUT_CLEANUP_SCHEDULE: '0 0 */12 * * *'
    }
  }

  // App Service authentication in front of the management API, when asked for. Unauthenticated requests are
  // let through (AllowAnonymous) rather than refused: worker agents authenticate with their own JWT signed by
  // their certificate, which Entra knows nothing about, and management callers may still use API keys. The
  // master decides: it trusts the X-MS-CLIENT-PRINCIPAL headers (which App Service strips from incoming
  // requests and sets itself) only when SCALEOUT_ENTRA_AUTH is 'true'. The worker API and the task API are also
  // excluded outright, so that App Service never tries to validate a worker's token or a running package's task
  // credential (Bearer JWTs the master signs or checks itself) as Entra tokens; management callers with an API key
  // send it as X-Api-Key for the same reason. test/infra/entra-exclusions.test.ts derives this list from the
  // function table.
  resource authSettings 'config' = if (enableEntraAuth) {
    name: 'authsettingsV2'
    properties: {
      platform: {
        enabled: true
      }
      globalValidation: {
        requireAuthentication: false
        unauthenticatedClientAction: 'AllowAnonymous'
        excludedPaths: [
          '/api/v1/agent/*'
          '/api/v1/task/*'
        ]
      }
      identityProviders: {
        azureActiveDirectory: {
          enabled: true
          registration: {
            clientId: entraClientId
            openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
          }
          validation: {
            allowedAudiences: [
              'api://${entraClientId}'
              entraClientId
            ]
          }
        }
      }
      login: {
        tokenStore: {
          enabled: false
        }
      }
    }
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
output principalId string = app.identity.principalId
