// The master's storage account: the Functions host's own storage (AzureWebJobsStorage: timer leases, deployment
// package), the project archives (docs/adr/0003-project-archives-in-blob-storage.md) and the event-message queue. Shared keys are off; everything reaches it with Entra identities.

@description('Region of the storage account.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Blob container the Flex Consumption plan deploys the app package to.')
param deploymentContainerName string

@description('Blob container the project archives are kept in (the master\'s SCALEOUT_ARCHIVE_CONTAINER).')
param archiveContainerName string

@description('Queue the worker agents\' event messages go through before they are drained into the catalog.')
param eventQueueName string

@description('Queue of the master\'s alarms (durable timers: the lease check, the next schedule).')
param alarmQueueName string

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
    }

    // Private like the account (no public access); the master streams each archive to the workers itself.
    resource archiveContainer 'containers' = {
      name: archiveContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource eventQueue 'queues' = {
      name: eventQueueName
    }

    // Messages that fail to drain too many times are moved here (the `<queue>-poison` convention of Functions)
    // so that one bad message never blocks the queue; an administrator inspects them.
    resource eventPoisonQueue 'queues' = {
      name: '${eventQueueName}-poison'
    }

    // The master's alarms, and where one that fails too often is set aside; the app's Storage Queue Data
    // Contributor role on this account already covers them (access.bicep).
    resource alarmQueue 'queues' = {
      name: alarmQueueName
    }

    resource alarmPoisonQueue 'queues' = {
      name: '${alarmQueueName}-poison'
    }
  }
}

output name string = account.name
output archiveContainerName string = account::blobService::archiveContainer.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
