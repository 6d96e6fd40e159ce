import type { TokenCredential } from '@azure/identity';
import { MSSQL_SCHEMA, parse, type CoerceType, type SchemaItem } from '@tediousjs/connection-string';
import type { ConnectionConfiguration } from 'tedious';
import { migrationLockWaitMs } from './migrate.js';

/**
 * How long tedious lets a request run before cancelling it: longer than the migration lock's wait, so an instance
 * that cold-starts while another migrates waits for the lock, as it is meant to, instead of being cancelled first.
 */
export const requestTimeoutMs = migrationLockWaitMs + 10_000;

/**
 * How the master reaches Azure SQL / SQL Server, from an ADO.NET-style connection string, e.g.
 * `Server=tcp:myserver.database.windows.net,1433;Database=scaleout;Authentication=Active Directory Default`
 * or `Server=localhost;Database=scaleout;User Id=sa;Password=…;TrustServerCertificate=true`.
 */
export interface MssqlConnectionSettings {
  server: string;
  port: number;
  database: string;
  authentication:
    | { kind: 'sql-password'; userName: string; password: string }
    /** A Microsoft Entra token: managed identity in Azure, developer credentials elsewhere. */
    | { kind: 'entra'; mode: 'default' | 'managed-identity'; clientId?: string };
  encrypt: boolean;
  trustServerCertificate: boolean;
  /** SSIS MasterSettings SqlConnectionTimeoutInSecs, 15 s. */
  connectTimeoutMs: number;
}

/**
 * The keys the master reads, by the name MSSQL_SCHEMA gives them (aliases resolved). Microsoft.Data.SqlClient also
 * takes `User` for User Id and spaced forms of some keys; the driver project's schema lists only the older ones.
 */
const extraSynonyms: Readonly<Record<string, string>> = {
  user: 'user id',
  'trust server certificate': 'trustservercertificate',
  'application intent': 'applicationintent',
  'multi subnet failover': 'multisubnetfailover',
  'multiple active result sets': 'multipleactiveresultsets',
  'connect retry count': 'connectretrycount',
  'connect retry interval': 'connectretryinterval',
  'pool blocking period': 'poolblockingperiod',
  'command timeout': 'command timeout',
  'host name in certificate': 'host name in certificate',
  'hostnameincertificate': 'host name in certificate',
  'server certificate': 'server certificate',
  'ip address preference': 'ip address preference',
  'server spn': 'server spn',
};

/** Every key ADO.NET knows, by its lower-case spelling, → its canonical name. */
const canonicalKeys: ReadonlyMap<string, string> = new Map([
  ...Object.entries(MSSQL_SCHEMA).flatMap(([name, item]: [string, SchemaItem<CoerceType>]) => [
    [name, name] as const,
    ...(item.aliases ?? []).map((alias) => [alias.toLowerCase(), name] as const),
  ]),
  ...Object.entries(extraSynonyms),
]);

/** A value as given, with its key as the user spelled it (for error messages). */
interface Given {
  key: string;
  value: string;
}

/**
 * Parses a connection string with the driver project's own parser (`@tediousjs/connection-string`: quoting with
 * `"`, `'` or `{}`, doubled quotes, spaces, repeated keys as ADO.NET reads them); throws naming the key that is
 * wrong. Keys ADO.NET knows that the master has no use for (Pooling, MultipleActiveResultSets, …) are accepted
 * and ignored, so a string a DBA pastes works as it is.
 */
export function parseMssqlConnectionString(connectionString: string): MssqlConnectionSettings {
  let parsed: ReadonlyMap<string, string>;
  try {
    parsed = parse(connectionString);
  } catch (error) {
    throw new Error(`connection string: not key=value;… as ADO.NET reads it (${(error as Error).message})`, { cause: error });
  }
  const values = new Map<string, Given>();
  for (const [key, value] of parsed) {
    const canonical = canonicalKeys.get(key.replace(/\s+/g, ' '));
    if (!canonical) throw new Error(`connection string: unknown key '${key}'`);
    values.set(canonical, { key, value });
  }
  const rawServer = values.get('data source')?.value;
  if (!rawServer) throw new Error('connection string: Server (Data Source) is required');
  const database = values.get('initial catalog')?.value;
  if (!database) throw new Error('connection string: Database (Initial Catalog) is required');
  const [host, portText] = rawServer.replace(/^tcp:/i, '').split(',');
  const port = portText === undefined ? 1433 : Number(portText);
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`connection string: ${values.get('data source')?.key} '${rawServer}' is not host[,port]`);
  }
  const authentication = parseAuthentication(values);
  const timeout = values.get('connection timeout');
  const timeoutSeconds = timeout ? Number(timeout.value) : 15;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error(`connection string: ${timeout?.key} must be a positive number of seconds, not '${timeout?.value}'`);
  }
  return {
    server: host,
    port,
    database,
    authentication,
    encrypt: parseBoolean(values.get('encrypt'), true),
    trustServerCertificate: parseBoolean(values.get('trustservercertificate'), false),
    connectTimeoutMs: timeoutSeconds * 1000,
  };
}

function parseAuthentication(values: Map<string, Given>): MssqlConnectionSettings['authentication'] {
  const given = values.get('authentication');
  // SqlClient accepts both `Active Directory Default` and `ActiveDirectoryDefault`.
  const mode = (given?.value ?? '').toLowerCase().replace(/\s+/g, '');
  const user = values.get('user id')?.value;
  switch (mode) {
    case '':
    case 'sqlpassword': {
      const password = values.get('password')?.value;
      if (!user || password === undefined) {
        throw new Error('connection string: User Id and Password are required unless Authentication is Entra');
      }
      return { kind: 'sql-password', userName: user, password };
    }
    case 'activedirectorydefault':
      return { kind: 'entra', mode: 'default' };
    case 'activedirectorymanagedidentity':
    case 'activedirectorymsi':
      return user ? { kind: 'entra', mode: 'managed-identity', clientId: user } : { kind: 'entra', mode: 'managed-identity' };
    default:
      throw new Error(
        `connection string: ${given?.key} '${given?.value}' is not supported (use Sql Password, Active Directory Default or Active Directory Managed Identity)`,
      );
  }
}

function parseBoolean(given: Given | undefined, fallback: boolean): boolean {
  if (given === undefined) return fallback;
  const lower = given.value.toLowerCase();
  if (['true', 'yes', 'mandatory', 'strict'].includes(lower)) return true;
  if (['false', 'no', 'optional'].includes(lower)) return false;
  throw new Error(`connection string: ${given.key} must be true or false, not '${given.value}'`);
}

/**
 * The tedious configuration for one connection. An Entra login takes a token credential, shared by every
 * connection of the pool so tokens are cached once per process.
 */
export function tediousConfiguration(
  settings: MssqlConnectionSettings,
  credential: TokenCredential | undefined,
): ConnectionConfiguration {
  const options = {
    database: settings.database,
    port: settings.port,
    encrypt: settings.encrypt,
    trustServerCertificate: settings.trustServerCertificate,
    connectTimeout: settings.connectTimeoutMs,
    requestTimeout: requestTimeoutMs,
    appName: 'scaleout-master',
    // A login the server refuses as transient (40613 while a serverless database resumes, 40501, 4060, …) is
    // retried by tedious itself, and then reported as ELOGIN without the error number, out of retryTransient's
    // sight: give tedious the minute a resume takes.
    connectionRetryInterval: 5000,
    maxRetriesOnTransientErrors: 12,
  };
  if (settings.authentication.kind === 'sql-password') {
    return {
      server: settings.server,
      options,
      authentication: {
        type: 'default',
        options: { userName: settings.authentication.userName, password: settings.authentication.password },
      },
    };
  }
  if (!credential) throw new Error('an Entra login needs a token credential');
  return { server: settings.server, options, authentication: { type: 'token-credential', options: { credential } } };
}
