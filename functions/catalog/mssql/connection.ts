import type { TokenCredential } from '@azure/identity';
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

const synonyms: Record<string, string> = {
  server: 'server',
  'data source': 'server',
  address: 'server',
  addr: 'server',
  'network address': 'server',
  database: 'database',
  'initial catalog': 'database',
  'user id': 'user',
  uid: 'user',
  user: 'user',
  password: 'password',
  pwd: 'password',
  authentication: 'authentication',
  encrypt: 'encrypt',
  trustservercertificate: 'trustservercertificate',
  'trust server certificate': 'trustservercertificate',
  'connect timeout': 'timeout',
  'connection timeout': 'timeout',
};

/** A value as given, with its key as the user spelled it (for error messages). */
interface Given {
  key: string;
  value: string;
}

/** Parses a connection string; throws naming the key that is wrong. */
export function parseMssqlConnectionString(connectionString: string): MssqlConnectionSettings {
  const values = new Map<string, Given>();
  for (const [key, value] of keyValuePairs(connectionString)) {
    const canonical = synonyms[key.toLowerCase()];
    if (!canonical) throw new Error(`connection string: unknown key '${key}'`);
    values.set(canonical, { key, value });
  }
  const rawServer = values.get('server')?.value;
  if (!rawServer) throw new Error('connection string: Server is required');
  const database = values.get('database')?.value;
  if (!database) throw new Error('connection string: Database (Initial Catalog) is required');
  const [host, portText] = rawServer.replace(/^tcp:/i, '').split(',');
  const port = portText === undefined ? 1433 : Number(portText);
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`connection string: ${values.get('server')?.key} '${rawServer}' is not host[,port]`);
  }
  const authentication = parseAuthentication(values);
  const timeout = values.get('timeout');
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

/**
 * Splits `key=value;…` as ADO.NET does: a value may be quoted with `"` or `'` (then it may hold `;`, and a doubled
 * quote stands for one), whitespace around keys and unquoted values is dropped, empty parts are skipped.
 */
function* keyValuePairs(text: string): Generator<[key: string, value: string]> {
  let at = 0;
  while (at < text.length) {
    const equals = text.indexOf('=', at);
    const semicolon = text.indexOf(';', at);
    if (equals < 0 || (semicolon >= 0 && semicolon < equals)) {
      const part = text.slice(at, semicolon < 0 ? undefined : semicolon).trim();
      if (part !== '') throw new Error(`connection string: '${part}' is not key=value`);
      at = semicolon < 0 ? text.length : semicolon + 1;
      continue;
    }
    const key = text.slice(at, equals).trim();
    at = equals + 1;
    while (text[at] === ' ' || text[at] === '\t') at++;
    const quote = text[at];
    if (quote !== '"' && quote !== "'") {
      const end = text.indexOf(';', at);
      yield [key, text.slice(at, end < 0 ? undefined : end).trim()];
      at = end < 0 ? text.length : end + 1;
      continue;
    }
    let value = '';
    at++;
    for (;;) {
      const close = text.indexOf(quote, at);
      if (close < 0) throw new Error(`connection string: the value of ${key} has no closing ${quote}`);
      value += text.slice(at, close);
      at = close + 1;
      if (text[at] !== quote) break;
      value += quote;
      at++;
    }
    const end = text.indexOf(';', at);
    const trailing = text.slice(at, end < 0 ? undefined : end).trim();
    if (trailing !== '') throw new Error(`connection string: '${trailing}' follows the quoted value of ${key}`);
    yield [key, value];
    at = end < 0 ? text.length : end + 1;
  }
}

function parseAuthentication(values: Map<string, Given>): MssqlConnectionSettings['authentication'] {
  const given = values.get('authentication');
  // SqlClient accepts both `Active Directory Default` and `ActiveDirectoryDefault`.
  const mode = (given?.value ?? '').toLowerCase().replace(/\s+/g, '');
  const user = values.get('user')?.value;
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
