// Creates the master's database user in the catalog, and optionally an administrator's, with a deployment script
// that runs as the SQL server's Entra administrator identity. The script is idempotent and runs on every
// deployment, so a recreated Function App (a new identity) gets its user back.

@description('Region where the deployment script\'s container runs.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the catalog\'s logical server.')
param sqlServerName string

@description('Name of the catalog database.')
param databaseName string

@description('Name of the user-assigned identity that is the server\'s Entra administrator.')
param administratorIdentityName string

@description('Name of the master\'s Function App; its system-assigned identity becomes a database user of the same name.')
param masterAppName string

@description('Display name of a person or group to make db_owner of the catalog; empty for none.')
param catalogAdministratorName string

@description('Entra object ID of that person or group.')
param catalogAdministratorObjectId string

@description('Whether that principal is a \'User\' or a \'Group\'.')
param catalogAdministratorType string

@description('Changes on every deployment so that the script runs again (it is idempotent).')
param runTag string = utcNow()

resource administratorIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: administratorIdentityName
}

resource sqlServer 'Microsoft.Sql/servers@2023-08-01' existing = {
  name: sqlServerName
}

resource masterApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: masterAppName
}

// The system-assigned identity as a resource of its own: the only place ARM exposes its client (application) ID,
// which is what Azure SQL uses as the SID of a managed identity's database user.
resource masterIdentity 'Microsoft.ManagedIdentity/identities@2023-01-31' existing = {
  scope: masterApp
  name: 'default'
}

resource createCatalogUsers 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'create-catalog-users-${uniqueString(sqlServer.id, databaseName)}'
  location: location
  tags: tags
  kind: 'AzurePowerShell'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${administratorIdentity.id}': {}
    }
  }
  properties: {
    azPowerShellVersion: '14.0'
    timeout: 'PT20M'
    retentionInterval: 'PT1H'
    cleanupPreference: 'OnSuccess'
    forceUpdateTag: runTag
    environmentVariables: [
      {
        name: 'SQL_SERVER_FQDN'
        value: sqlServer.properties.fullyQualifiedDomainName
      }
      {
        name: 'SQL_DATABASE'
        value: databaseName
      }
      {
        name: 'APP_USER_NAME'
        value: masterAppName
      }
      {
        name: 'APP_CLIENT_ID'
        value: masterIdentity.properties.clientId
      }
      {
        name: 'ADMIN_USER_NAME'
        value: catalogAdministratorName
      }
      {
        name: 'ADMIN_OBJECT_ID'
        value: catalogAdministratorObjectId
      }
      {
        name: 'ADMIN_TYPE'
        value: catalogAdministratorType
      }
    ]
    scriptContent: loadTextContent('../scripts/create-catalog-users.ps1')
  }
}
