// The workers' doorbells (docs/adr/0001-a-doorbell-that-crosses-instances.md): one queue per worker, which the
// master creates and rings, and each worker reads with a SAS the master signs. A storage account of its own that
// holds nothing else, because signing a service SAS takes the account key: shared keys stay off on the master's
// own storage account. The key reaches the app only through a Key Vault secret (an app setting reference).

@description('Region of the storage account.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the storage account (3-24 lowercase letters and digits).')
param name string

@description('Name of the Key Vault that keeps the account\'s connection string.')
param keyVaultName string

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
    // The master signs each worker's SAS (read and process on that worker's bell only) with this account's key.
    allowSharedKeyAccess: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'doorbell-connection'
  properties: {
    contentType: 'Azure Storage connection string'
    value: 'DefaultEndpointsProtocol=https;AccountName=${account.name};AccountKey=${account.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

output name string = account.name
output connectionSecretUri string = connectionSecret.properties.secretUri
