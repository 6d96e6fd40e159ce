# Creates the Scale Out master's user in the catalog database, and optionally an administrator's. Run by a
# deployment script (infra/app/catalog-users.bicep) as the SQL server's Entra administrator identity; idempotent.
#
# The master's user is what `CREATE USER [<app name>] FROM EXTERNAL PROVIDER` would create, written as
# `CREATE USER [<app name>] WITH SID = <client id>, TYPE = E`: FROM EXTERNAL PROVIDER makes Azure SQL look the
# name up in Microsoft Graph, which it refuses to do for a managed-identity caller unless the server's own identity
# holds Graph permissions (a tenant-wide grant a deployment cannot make). The SID form needs no lookup.
#
# System.Data.SqlClient (in-box with PowerShell 7 in the deployment-script image) is used instead of the SqlServer
# module, whose Invoke-Sqlcmd clashes with the Az assemblies already loaded there (microsoft/aspire#18892).

$ErrorActionPreference = 'Stop'

$appRoles = @('db_datareader', 'db_datawriter', 'db_ddladmin') # ddladmin: the master migrates the schema itself
$adminRoles = @('db_owner')

# The SSISDB-named views live in schema [catalog], owned by dbo, created here by the administrator rather than by
# the master's migration: a schema the app's user created would be owned by that user, so `DROP USER` would fail
# (error 15138) when the Function App is recreated, and DBA readers of the views would lose ownership chaining.
# A schema an earlier version let the app's user create is handed over to dbo.
$ensureCatalogSchema = @'
IF SCHEMA_ID(N'catalog') IS NULL EXEC (N'CREATE SCHEMA [catalog] AUTHORIZATION [dbo]');
IF EXISTS (SELECT 1 FROM sys.schemas WHERE name = N'catalog' AND principal_id <> USER_ID(N'dbo')) EXEC (N'ALTER AUTHORIZATION ON SCHEMA::[catalog] TO [dbo]');
'@

# Creates (or, when the SID changed because the principal was recreated, re-creates) one Entra database user and
# adds it to roles. Names and IDs travel as parameters and are quoted by QUOTENAME on the server side. Only Entra
# users and groups (type E, X) are considered: a SQL login's user or a role of the same name is never dropped.
$ensureUser = @'
DECLARE @sid varbinary(16) = CONVERT(varbinary(16), @objectId);
DECLARE @sql nvarchar(max);
IF EXISTS (SELECT 1 FROM sys.database_principals WHERE name = @name AND sid <> @sid AND type IN ('E', 'X'))
BEGIN
  SET @sql = N'DROP USER ' + QUOTENAME(@name);
  EXEC (@sql);
END
IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = @name AND type IN ('E', 'X'))
BEGIN
  SET @sql = N'CREATE USER ' + QUOTENAME(@name) + N' WITH SID = ' + CONVERT(nvarchar(max), @sid, 1)
    + N', TYPE = ' + CASE @type WHEN 'Group' THEN N'X' ELSE N'E' END;
  EXEC (@sql);
END
'@

$addToRole = @'
IF IS_ROLEMEMBER(@role, @name) = 0
BEGIN
  DECLARE @sql nvarchar(max) = N'ALTER ROLE ' + QUOTENAME(@role) + N' ADD MEMBER ' + QUOTENAME(@name);
  EXEC (@sql);
END
'@

function Invoke-CatalogBatch([System.Data.SqlClient.SqlConnection] $connection, [System.Data.SqlClient.SqlTransaction] $transaction, [string] $text, [hashtable] $parameters) {
  $command = $connection.CreateCommand()
  $command.Transaction = $transaction
  $command.CommandText = $text
  foreach ($name in $parameters.Keys) {
    [void] $command.Parameters.AddWithValue("@$name", $parameters[$name])
  }
  [void] $command.ExecuteNonQuery()
}

function Grant-CatalogUser([System.Data.SqlClient.SqlConnection] $connection, [System.Data.SqlClient.SqlTransaction] $transaction, [string] $name, [string] $objectId, [string] $type, [string[]] $roles) {
  Invoke-CatalogBatch $connection $transaction $ensureUser @{ name = $name; objectId = [guid] $objectId; type = $type }
  foreach ($role in $roles) {
    Invoke-CatalogBatch $connection $transaction $addToRole @{ name = $name; role = $role }
  }
  Write-Host "Catalog user [$name] ($type) is in: $($roles -join ', ')"
}

$token = (Get-AzAccessToken -ResourceUrl 'https://database.windows.net/').Token
# Az.Accounts 5 returns the token as a SecureString; earlier versions as a string.
if ($token -is [System.Security.SecureString]) {
  $token = [System.Net.NetworkCredential]::new('', $token).Password
}

# A new server's firewall rule takes a moment to apply and a paused serverless database about a minute to resume
# (error 40613), so connection failures are retried for several minutes before the deployment is failed.
$attempts = 10
for ($attempt = 1; $attempt -le $attempts; $attempt++) {
  $connection = New-Object System.Data.SqlClient.SqlConnection
  $connection.ConnectionString = "Server=tcp:$($env:SQL_SERVER_FQDN),1433;Initial Catalog=$($env:SQL_DATABASE);Encrypt=True;TrustServerCertificate=False;Connect Timeout=60"
  $connection.AccessToken = $token
  try {
    $connection.Open()
    # One transaction: a run that fails half-way (a dropped user not yet re-created) leaves the database as it was,
    # and the retry below starts from there.
    $transaction = $connection.BeginTransaction()
    Invoke-CatalogBatch $connection $transaction $ensureCatalogSchema @{}
    Grant-CatalogUser $connection $transaction $env:APP_USER_NAME $env:APP_CLIENT_ID 'User' $appRoles
    if ($env:ADMIN_USER_NAME) {
      Grant-CatalogUser $connection $transaction $env:ADMIN_USER_NAME $env:ADMIN_OBJECT_ID $env:ADMIN_TYPE $adminRoles
    }
    $transaction.Commit()
    break
  } catch {
    if ($attempt -eq $attempts) { throw }
    Write-Host "Attempt $attempt of $attempts failed: $($_.Exception.Message). Retrying in 30 s."
    Start-Sleep -Seconds 30
  } finally {
    $connection.Dispose()
  }
}
