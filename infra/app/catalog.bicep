// The catalog: an Azure SQL logical server with Microsoft Entra-only authentication and one serverless database.
//
// The server's Entra administrator is a user-assigned identity created here, so that a deployment script
// (catalog-users.bicep) can log in unattended and create the master's database user. Administrators are people
// too: give the catalog* parameters of main.bicep and that person or group is made db_owner of the catalog by
// the same script.

@description('Region of the server and database.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Name of the logical server (lowercase, globally unique).')
param serverName string

@description('Name of the catalog database.')
param databaseName string

@description('Name of the user-assigned identity that is the server\'s Entra administrator.')
param administratorIdentityName string

@description('Most vCores the serverless database may scale to.')
param maxVCores int

@description('Fewest vCores the serverless database keeps while online, as a decimal string (e.g. \'0.5\').')
param minVCores string

@description('Minutes of inactivity after which the database pauses (billing stops); -1 never pauses. A paused database resumes on the next connection in about a minute: the master retries (error 40613) and the event queue absorbs worker logs meanwhile.')
param autoPauseDelayMinutes int

resource administratorIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: administratorIdentityName
  location: location
  tags: tags
}

resource server 'Microsoft.Sql/servers@2023-08-01' = {
  name: serverName
  location: location
  tags: tags
  properties: {
    version: '12.0'
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      principalType: 'Application'
      login: administratorIdentity.name
      sid: administratorIdentity.properties.principalId
      tenantId: subscription().tenantId
    }
  }

  // 0.0.0.0 is the platform's "Azure services" rule: Flex Consumption instances and the deployment script come
  // from shared Azure addresses. Logins stay Entra-only; a private endpoint with VNet integration is the stricter
  // alternative.
  resource allowAzureServices 'firewallRules' = {
    name: 'AllowAllWindowsAzureIps'
    properties: {
      startIpAddress: '0.0.0.0'
      endIpAddress: '0.0.0.0'
    }
  }

  resource database 'databases' = {
    name: databaseName
    location: location
    tags: tags
    sku: {
      name: 'GP_S_Gen5'
      tier: 'GeneralPurpose'
      family: 'Gen5'
      capacity: maxVCores
    }
    properties: {
      autoPauseDelay: autoPauseDelayMinutes
      minCapacity: json(minVCores)
      zoneRedundant: false
      requestedBackupStorageRedundancy: 'Local'
    }
  }
}

output serverName string = server.name
output serverFqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = server::database.name
output administratorIdentityName string = administratorIdentity.name
