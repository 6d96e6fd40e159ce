import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { CertificateClientOptions } from '@azure/keyvault-certificates';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import type { Clock } from '../../functions/clock.js';
import { issueSelfSigned, macOnlyPkcs12 } from './fake-key-vault-certificates.js';

/**
 * A local HTTPS endpoint that answers the Key Vault REST calls the Azure SDK's SecretClient and CertificateClient
 * make, so the Key Vault key store is tested through the real SDK: challenge authentication (an unauthenticated
 * first request gets 401 + `WWW-Authenticate: Bearer authorization=…, resource=https://vault.azure.net`, then the
 * bearer token is required), secrets with versions, and self-signed certificate creation as a long-running
 * operation (409 Conflict while one is pending, like the service). Timestamps come from the test's clock, in
 * seconds as Key Vault gives them.
 */
export interface FakeKeyVault {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** A credential whose token the fake accepts; records the scopes it was asked for. */
  credential: TokenCredential & { scopes: string[][] };
  /** What the SDK clients need to reach the fake: trust its certificate, allow a non-vault.azure.net host. */
  clientOptions: SecretClientOptions & CertificateClientOptions;
  /** Every request, in order. */
  requests: { method: string; path: string; status: number; authorized: boolean }[];
  /** The policy of every certificate creation request, as sent on the wire. */
  certificatePolicies: unknown[];
  /** Adds a secret version directly, as another writer would. */
  seedSecret(name: string, value: string, attributes?: { enabled?: boolean; createdSeconds?: number }): void;
  /** Marks a secret name as deleted but recoverable: setting it answers 409, as Key Vault does. */
  softDeleteSecret(name: string): void;
  /** Leaves a certificate creation pending that nobody polls: every new creation answers 409. */
  stallCertificateCreation(name: string): void;
  close(): Promise<void>;
}

const token = 'fake-key-vault-token';

interface SecretVersion {
  version: string;
  value: string;
  contentType: string | undefined;
  enabled: boolean;
  created: number;
  managed?: boolean;
}

interface CertificateVersion {
  version: string;
  certDer: Buffer;
  enabled: boolean;
  created: number;
  notBefore: number;
  expires: number;
  policy: unknown;
}

interface CreateCertificateBody {
  policy?: {
    key_props?: { exportable?: boolean; kty?: string; crv?: string };
    secret_props?: { contentType?: string };
    x509_props?: { subject?: string; sans?: { dns_names?: string[]; ipAddresses?: string[] }; validity_months?: number };
    issuer?: { name?: string };
  };
}

export async function startFakeKeyVault(options: { clock: Clock }): Promise<FakeKeyVault> {
  const { clock } = options;
  const seconds = () => Math.floor(clock.now() / 1000);
  const tls = await issueSelfSigned({
    subject: 'CN=fake-key-vault',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });

  const secrets = new Map<string, SecretVersion[]>();
  const softDeleted = new Set<string>();
  const certificates = new Map<string, CertificateVersion[]>();
  const pending = new Map<string, { body: CreateCertificateBody; requestId: string; completion?: Promise<void> }>();
  const requests: FakeKeyVault['requests'] = [];
  const certificatePolicies: unknown[] = [];
  let url = '';

  const newVersion = () => randomBytes(16).toString('hex');
  const addSecret = (name: string, version: SecretVersion) => secrets.set(name, [...(secrets.get(name) ?? []), version]);

  const secretBundle = (name: string, s: SecretVersion) => ({
    id: `${url}/secrets/${name}/${s.version}`,
    ...(s.contentType ? { contentType: s.contentType } : {}),
    attributes: { enabled: s.enabled, created: s.created, updated: s.created, recoveryLevel: 'Recoverable+Purgeable' },
    ...(s.managed ? { managed: true, kid: `${url}/keys/${name}/${s.version}` } : {}),
  });

  const certificateBundle = (name: string, c: CertificateVersion) => ({
    id: `${url}/certificates/${name}/${c.version}`,
    kid: `${url}/keys/${name}/${c.version}`,
    sid: `${url}/secrets/${name}/${c.version}`,
    x5t: createHash('sha1').update(c.certDer).digest('base64url'),
    cer: c.certDer.toString('base64'),
    attributes: { enabled: c.enabled, nbf: c.notBefore, exp: c.expires, created: c.created, updated: c.created },
    policy: c.policy,
  });

  const operation = (name: string, requestId: string, status: 'inProgress' | 'completed') => ({
    id: `${url}/certificates/${name}/pending`,
    issuer: { name: 'Self' },
    csr: randomBytes(32).toString('base64'),
    cancellation_requested: false,
    status,
    ...(status === 'completed' ? { target: `${url}/certificates/${name}` } : {}),
    request_id: requestId,
  });

  /** Issues the certificate a pending operation asked for: a certificate version and its same-versioned secret. */
  async function complete(name: string, body: CreateCertificateBody): Promise<void> {
    const x509Props = body.policy?.x509_props ?? {};
    const created = seconds();
    const months = x509Props.validity_months ?? 12;
    const notAfter = new Date(clock.now());
    notAfter.setUTCMonth(notAfter.getUTCMonth() + months);
    const issued = await issueSelfSigned({
      subject: x509Props.subject ?? 'CN=unnamed',
      dnsNames: x509Props.sans?.dns_names ?? [],
      ipAddresses: x509Props.sans?.ipAddresses ?? [],
      notBefore: new Date(clock.now()),
      notAfter,
    });
    const contentType = body.policy?.secret_props?.contentType ?? 'application/x-pkcs12'; // Key Vault's default
    const version = newVersion();
    certificates.set(name, [
      ...(certificates.get(name) ?? []),
      {
        version,
        certDer: issued.certDer,
        enabled: true,
        created,
        notBefore: created,
        expires: Math.floor(notAfter.getTime() / 1000),
        policy: body.policy,
      },
    ]);
    const value =
      contentType === 'application/x-pem-file'
        ? `${issued.keyPem}${issued.certPem}`
        : macOnlyPkcs12(issued.certDer, issued.keyPkcs8Der).toString('base64');
    addSecret(name, { version, value, contentType, enabled: true, created, managed: true });
  }

  async function route(method: string, segments: string[], body: unknown): Promise<[number, unknown]> {
    const [collection, name, third] = segments;
    if (collection === 'secrets' && name) {
      const versions = secrets.get(name) ?? [];
      if (method === 'PUT' && third === undefined) {
        if (softDeleted.has(name)) {
          return [409, error('Conflict', `Secret ${name} is currently in a deleted but recoverable state.`)];
        }
        const { value, contentType } = body as { value: string; contentType?: string };
        const version: SecretVersion = { version: newVersion(), value, contentType, enabled: true, created: seconds() };
        addSecret(name, version);
        return [200, { value, ...secretBundle(name, version) }];
      }
      if (method === 'GET' && third === 'versions') {
        return [200, { value: versions.map((v) => secretBundle(name, v)), nextLink: null }];
      }
      if (method === 'GET') {
        const found = third ? versions.find((v) => v.version === third) : versions.filter((v) => v.enabled).at(-1);
        if (!found) return [404, error('SecretNotFound', `A secret with (name/id) ${name}/${third ?? ''} was not found.`)];
        return [200, { value: found.value, ...secretBundle(name, found) }];
      }
    }
    if (collection === 'certificates' && name) {
      const versions = certificates.get(name) ?? [];
      if (method === 'POST' && third === 'create') {
        if (pending.has(name)) {
          return [409, error('Conflict', `There is a pending operation for certificate ${name}.`)];
        }
        const request = body as CreateCertificateBody;
        certificatePolicies.push(request.policy);
        const keyProps = request.policy?.key_props;
        if (request.policy?.issuer?.name !== 'Self' || keyProps?.kty !== 'EC' || keyProps.crv !== 'P-256' || !keyProps.exportable) {
          return [400, error('BadParameter', 'the fake issues only exportable, self-signed EC P-256 certificates')];
        }
        const requestId = newVersion();
        pending.set(name, { body: request, requestId });
        return [202, operation(name, requestId, 'inProgress')];
      }
      if (method === 'GET' && third === 'pending') {
        const op = pending.get(name);
        if (!op) return [404, error('PendingCertificateNotFound', `Pending certificate not found: ${name}`)];
        op.completion ??= complete(name, op.body).then(() => void pending.delete(name));
        await op.completion;
        return [200, operation(name, op.requestId, 'completed')];
      }
      if (method === 'GET' && third === 'versions') {
        return [200, { value: versions.map((v) => certificateBundle(name, v)), nextLink: null }];
      }
      if (method === 'GET') {
        const found = third ? versions.find((v) => v.version === third) : versions.filter((v) => v.enabled).at(-1);
        if (!found) return [404, error('CertificateNotFound', `A certificate with (name/id) ${name} was not found.`)];
        return [200, certificateBundle(name, found)];
      }
    }
    return [404, error('NotFound', `the fake does not implement ${method} /${segments.join('/')}`)];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://fake').pathname;
    const authorized = req.headers.authorization === `Bearer ${token}`;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let status: number;
    let payload: unknown;
    if (!authorized) {
      status = 401;
      res.setHeader(
        'WWW-Authenticate',
        'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      );
      payload = error('Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
    } else {
      const text = Buffer.concat(chunks).toString('utf8');
      [status, payload] = await route(req.method ?? 'GET', path.split('/').filter(Boolean), text ? JSON.parse(text) : undefined);
    }
    requests.push({ method: req.method ?? '', path, status, authorized });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
  }

  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    handle(req, res).catch((failure: unknown) => {
      res.writeHead(500).end(JSON.stringify(error('InternalError', String(failure))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const scopes: string[][] = [];
  const credential = {
    scopes,
    getToken: async (scope: string | string[]): Promise<AccessToken> => {
      scopes.push(Array.isArray(scope) ? scope : [scope]);
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };

  return {
    url,
    credential,
    clientOptions: {
      tlsOptions: { ca: tls.certPem },
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    },
    requests,
    certificatePolicies,
    seedSecret(name, value, attributes = {}) {
      addSecret(name, {
        version: newVersion(),
        value,
        contentType: undefined,
        enabled: attributes.enabled ?? true,
        created: attributes.createdSeconds ?? seconds(),
      });
    },
    softDeleteSecret(name) {
      softDeleted.add(name);
    },
    stallCertificateCreation(name) {
      pending.set(name, { body: {}, requestId: newVersion() });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((failure) => (failure ? reject(failure) : resolve()));
      }),
  };
}

function error(code: string, message: string) {
  return { error: { code, message } };
}
