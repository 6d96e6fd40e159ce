import type { TokenCredential } from '@azure/identity';
import type { ConnectionConfiguration } from 'tedious';

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

/** Parses a connection string; throws naming the key that is wrong. */
export function parseMssqlConnectionString(connectionString: string): MssqlConnectionSettings {
  const values = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    if (equals < 0) throw new Error(`connection string: '${part.trim()}' is not key=value`);
    const key = part.slice(0, equals).trim().toLowerCase();
    const canonical = synonyms[key];
    if (!canonical) throw new Error(`connection string: unknown key '${part.slice(0, equals).trim()}'`);
    values.set(canonical, part.slice(equals + 1).trim());
  }
  const rawServer = values.get('server');
  if (!rawServer) throw new Error('connection string: Server is required');
  const database = values.get('database');
  if (!database) throw new Error('connection string: Database (Initial Catalog) is required');
  const [host, portText] = rawServer.replace(/^tcp:/i, '').split(',');
  const port = portText === undefined ? 1433 : Number(portText);
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`connection string: Server '${rawServer}' is not host[,port]`);
  }
  const authentication = parseAuthentication(values);
  const timeoutSeconds = values.has('timeout') ? Number(values.get('timeout')) : 15;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error('connection string: Connect Timeout must be a positive number of seconds');
  }
  return {
    server: host,
    port,
    database,
    authentication,
    encrypt: parseBoolean(values, 'encrypt', true),
    trustServerCertificate: parseBoolean(values, 'trustservercertificate', false),
    connectTimeoutMs: timeoutSeconds * 1000,
  };
}

function parseAuthentication(values: Map<string, string>): MssqlConnectionSettings['authentication'] {
  const mode = (values.get('authentication') ?? '').toLowerCase().replace(/\s+/g, ' ');
  const user = values.get('user');
  switch (mode) {
    case '':
    case 'sql password':
    case 'sqlpassword': {
      const password = values.get('password');
      if (!user || password === undefined) {
        throw new Error('connection string: User Id and Password are required unless Authentication is Entra');
      }
      return { kind: 'sql-password', userName: user, password };
    }
    case 'active directory default':
      return { kind: 'entra', mode: 'default' };
    case 'active directory managed identity':
    case 'active directory msi':
      return user ? { kind: 'entra', mode: 'managed-identity', clientId: user } : { kind: 'entra', mode: 'managed-identity' };
    default:
      throw new Error(
        `connection string: Authentication '${values.get('authentication')}' is not supported (use Sql Password, Active Directory Default or Active Directory Managed Identity)`,
      );
  }
}

function parseBoolean(values: Map<string, string>, key: string, fallback: boolean): boolean {
  const raw = values.get(key);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['true', 'yes', 'mandatory', 'strict'].includes(lower)) return true;
  if (['false', 'no', 'optional'].includes(lower)) return false;
  throw new Error(`connection string: ${key} must be true or false, not '${raw}'`);
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
    requestTimeout: 60000,
    appName: 'scaleout-master',
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
