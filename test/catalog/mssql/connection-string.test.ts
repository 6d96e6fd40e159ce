import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { parseMssqlConnectionString, requestTimeoutMs, tediousConfiguration } from '../../../functions/catalog/mssql/connection.js';
import { migrationLockWaitMs } from '../../../functions/catalog/mssql/migrate.js';

const sqlLogin = 'User Id=sa;Password=pw';

describe('SQL Server connection strings', () => {
  it('reads an Azure SQL string with an Entra login, and applies the defaults', () => {
    expect(
      parseMssqlConnectionString(
        'Server=tcp:myserver.database.windows.net,1433;Database=scaleout;Authentication=Active Directory Default',
      ),
    ).toEqual({
      server: 'myserver.database.windows.net',
      port: 1433,
      database: 'scaleout',
      authentication: { kind: 'entra', mode: 'default' },
      encrypt: true,
      trustServerCertificate: false,
      connectTimeoutMs: 15000,
    });
  });

  it.each(['Server', 'Data Source', 'Address', 'Addr', 'Network Address', 'SERVER', ' server '])(
    'takes the server from %s',
    (key) => {
      expect(parseMssqlConnectionString(`${key}=db.local,1500;Database=d;${sqlLogin}`)).toMatchObject({ server: 'db.local', port: 1500 });
    },
  );

  it.each(['Database', 'Initial Catalog'])('takes the database from %s', (key) => {
    expect(parseMssqlConnectionString(`Server=h;${key}=catalog;${sqlLogin}`).database).toBe('catalog');
  });

  it.each([
    ['User Id', 'Password'],
    ['UID', 'PWD'],
    ['User', 'pwd'],
  ])('takes a SQL login from %s and %s', (userKey, passwordKey) => {
    expect(parseMssqlConnectionString(`Server=h;Database=d;${userKey}=sa;${passwordKey}=secret`).authentication).toEqual({
      kind: 'sql-password',
      userName: 'sa',
      password: 'secret',
    });
  });

  it.each([
    ['Sql Password', { kind: 'sql-password', userName: 'sa', password: 'pw' }],
    ['SqlPassword', { kind: 'sql-password', userName: 'sa', password: 'pw' }],
    ['Active Directory Default', { kind: 'entra', mode: 'default' }],
    ['ActiveDirectoryDefault', { kind: 'entra', mode: 'default' }],
    ['active  directory  default', { kind: 'entra', mode: 'default' }],
    ['Active Directory Managed Identity', { kind: 'entra', mode: 'managed-identity', clientId: 'sa' }],
    ['ActiveDirectoryMSI', { kind: 'entra', mode: 'managed-identity', clientId: 'sa' }],
  ])('reads Authentication=%s', (mode, expected) => {
    expect(parseMssqlConnectionString(`Server=h;Database=d;Authentication=${mode};${sqlLogin}`).authentication).toEqual(expected);
  });

  it('takes a system-assigned managed identity when no User Id names a client', () => {
    expect(
      parseMssqlConnectionString('Server=h;Database=d;Authentication=Active Directory Managed Identity').authentication,
    ).toEqual({ kind: 'entra', mode: 'managed-identity' });
  });

  it.each([
    ['Encrypt=false', { encrypt: false }],
    ['Encrypt=Mandatory', { encrypt: true }],
    ['Encrypt=Optional', { encrypt: false }],
    ['Encrypt=strict', { encrypt: true }],
    ['TrustServerCertificate=true', { trustServerCertificate: true }],
    ['Trust Server Certificate=yes', { trustServerCertificate: true }],
    ['Connect Timeout=30', { connectTimeoutMs: 30000 }],
    ['Connection Timeout=2.5', { connectTimeoutMs: 2500 }],
  ])('reads %s', (pair, expected) => {
    expect(parseMssqlConnectionString(`Server=h;Database=d;${sqlLogin};${pair}`)).toMatchObject(expected);
  });

  it('keeps quoted values whole, semicolons and doubled quotes included', () => {
    expect(parseMssqlConnectionString(`Server=h;Database=d;User Id=sa;Password="p;w=""x""";`).authentication).toEqual({
      kind: 'sql-password',
      userName: 'sa',
      password: 'p;w="x"',
    });
    expect(parseMssqlConnectionString(`Server=h; Database = 'my db' ;User Id=sa;Password='it''s'`)).toMatchObject({
      database: 'my db',
      authentication: { password: "it's" },
    });
    expect(parseMssqlConnectionString(`;;Server=h;;Database=d;User Id=sa;Password=;`).authentication).toMatchObject({ password: '' });
  });

  it.each([
    [
      'the Azure portal (ADO.NET, SQL authentication)',
      'Server=tcp:sql-scaleout.database.windows.net,1433;Initial Catalog=scaleout;Persist Security Info=False;User ID=dba;Password={your_password};MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;',
      { server: 'sql-scaleout.database.windows.net', port: 1433, database: 'scaleout', encrypt: true, connectTimeoutMs: 30000, authentication: { kind: 'sql-password', userName: 'dba', password: 'your_password' } },
    ],
    [
      'the Azure portal (ADO.NET, passwordless)',
      'Server=tcp:sql-scaleout.database.windows.net,1433;Initial Catalog=scaleout;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;Authentication="Active Directory Default";',
      { database: 'scaleout', authentication: { kind: 'entra', mode: 'default' } },
    ],
    [
      'SSMS / Visual Studio (spaced keys, an application name and pooling)',
      'Data Source=db01\\ETL,1500;Initial Catalog=SSISDB;User Id=etl;Password=\'p;a"ss\';Application Name=ops;Pooling=true;Max Pool Size=50;Trust Server Certificate=True;Multi Subnet Failover=True;Application Intent=ReadWrite',
      { server: 'db01\\ETL', port: 1500, database: 'SSISDB', trustServerCertificate: true, authentication: { kind: 'sql-password', userName: 'etl', password: 'p;a"ss' } },
    ],
    [
      'a managed identity by client id, braces around a value',
      'Server={sql.example.net};Database=scaleout;Authentication=Active Directory Managed Identity;User Id=0f1e2d3c-aaaa-bbbb-cccc-123456789abc;Encrypt=Strict',
      { server: 'sql.example.net', encrypt: true, authentication: { kind: 'entra', mode: 'managed-identity', clientId: '0f1e2d3c-aaaa-bbbb-cccc-123456789abc' } },
    ],
  ])('reads a string as %s gives it', (_source, text, expected) => {
    expect(parseMssqlConnectionString(text)).toMatchObject(expected);
  });

  it.each([
    ['Server=h;Database=d;Colour=blue', /unknown key 'colour'/],
    ['Database=d;User Id=sa;Password=pw', /Server \(Data Source\) is required/],
    ['Server=h;User Id=sa;Password=pw', /Database \(Initial Catalog\) is required/],
    ['Data Source=h,99999;Database=d;User Id=sa;Password=pw', /data source 'h,99999' is not host\[,port\]/],
    ['Server=,1433;Database=d;User Id=sa;Password=pw', /server ',1433' is not host\[,port\]/],
    ['Server=h;Database=d;Password=pw', /User Id and Password are required/],
    ['Server=h;Database=d;User Id=sa', /User Id and Password are required/],
    ['Server=h;Database=d;Authentication=Windows', /authentication 'Windows' is not supported/],
    [`Server=h;Database=d;${sqlLogin};Connect Timeout=0`, /connect timeout must be a positive number of seconds, not '0'/],
    [`Server=h;Database=d;${sqlLogin};Connection Timeout=soon`, /connection timeout must be a positive number/],
    [`Server=h;Database=d;${sqlLogin};Encrypt=maybe`, /encrypt must be true or false, not 'maybe'/],
    [`Server=h;Database=d;${sqlLogin};TrustServerCertificate=2`, /trustservercertificate must be true or false/],
    [`Server=h;Database=d;User Id=sa;Password="open`, /not key=value;… as ADO.NET reads it/],
    [`Server=h;Database=d;User Id=sa;Password="a"b`, /not key=value;… as ADO.NET reads it/],
  ])('refuses %s, naming the key', (text, message) => {
    expect(() => parseMssqlConnectionString(text)).toThrow(message);
  });
});

describe('tedious configuration', () => {
  const credential: TokenCredential = { getToken: async () => null };

  it('logs in with a password, and gives tedious the minute a database takes to resume', () => {
    const settings = parseMssqlConnectionString('Server=h,1500;Database=d;User Id=sa;Password=pw;TrustServerCertificate=true');
    expect(tediousConfiguration(settings, undefined)).toEqual({
      server: 'h',
      authentication: { type: 'default', options: { userName: 'sa', password: 'pw' } },
      options: {
        database: 'd',
        port: 1500,
        encrypt: true,
        trustServerCertificate: true,
        connectTimeout: 15000,
        requestTimeout: 130000,
        appName: 'scaleout-master',
        connectionRetryInterval: 5000,
        maxRetriesOnTransientErrors: 12,
      },
    });
  });

  it("lets a request outlast the migration lock's wait", () => {
    expect(requestTimeoutMs).toBeGreaterThan(migrationLockWaitMs);
  });

  it('logs in with the shared token credential for Entra, and needs one', () => {
    const settings = parseMssqlConnectionString('Server=h;Database=d;Authentication=Active Directory Default');
    expect(tediousConfiguration(settings, credential).authentication).toEqual({ type: 'token-credential', options: { credential } });
    expect(() => tediousConfiguration(settings, undefined)).toThrow(/needs a token credential/);
  });
});
