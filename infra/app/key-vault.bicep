// Key Vault for the master's certificate and keys (the data key that encrypts sensitive parameter values, the
// token-signing key). Access is by Azure RBAC only; the master's roles are granted in access.bicep.

@description('Region of the vault.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the vault (3-24 characters, globally unique).')
param name string

@description('Turn on purge protection. Losing the data key makes every encrypted parameter value unreadable, so keep it on for real deployments; it also means a deleted vault keeps its name for the retention period.')
param purgeProtection bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Purge protection can be turned on but never off again: omit the property rather than send false.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
