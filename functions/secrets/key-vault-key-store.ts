import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenCredential } from '@azure/identity';
import {
  type CertificateClientOptions,
  type CertificateContentType,
  type CertificatePolicy,
  type CertificateProperties,
  CertificateClient,
} from '@azure/keyvault-certificates';
import { type SecretClientOptions, type SecretProperties, SecretClient } from '@azure/keyvault-secrets';
import { type Clock, systemClock } from '../clock.js';
import type { KeyStore, MasterCertificate } from './key-store.js';
import { KeyStoreError } from './key-store-error.js';
import {
  describeMasterCertificate,
  isMasterCertificateUsable,
  masterCertificateRenewBeforeMs,
  subjectAlternativeNames,
} from './master-certificate.js';
import { readPkcs12 } from '../../contracts/pkcs12/read-pkcs12.js';

export interface KeyVaultKeyStoreOptions {
  /** e.g. `https://kv-scaleout-abc.vault.azure.net/` (SCALEOUT_KEY_VAULT_URL). */
  vaultUrl: string;
  /** The master's shared Azure credential (identity/azure-credential.ts): in Azure, its managed identity. */
  credential: TokenCredential;
  /** Decides when the master certificate is too close to expiry. @default systemClock */
  clock?: Clock;
  /** How Key Vault stores the certificate's private key in the same-named secret. @default 'application/x-pem-file' */
  certificateContentType?: CertificateContentType;
  /** How long to wait between looks while another instance is creating the certificate. @default 2000 */
  pollIntervalMs?: number;
  /** How long to wait for another instance's certificate creation before giving up. @default 120000 */
  creationTimeoutMs?: number;
  /**
   * A version younger than this may still have a concurrent writer's version land beside it with the same
   * one-second timestamp; the store looks once more after this long before settling on it. @default 5000
   */
  settleMs?: number;
  /** Passed to both SDK clients (retry, proxy and TLS options). */
  clientOptions?: SecretClientOptions & CertificateClientOptions;
}

/** Names in the vault. The certificate's private key is, by Key Vault's design, the secret of the same name. */
export const keyVaultNames = {
  dataKey: 'scaleout-data-key',
  tokenSigningKey: 'scaleout-token-signing-key',
  masterCertificate: 'scaleout-master',
} as const;

const keyBytes = 32;

/**
 * The key store in Azure: Key Vault through the Azure SDK. Nothing is fetched until a secret is asked for.
 *
 * Several master instances may start together and each find a secret missing. Key Vault has no create-if-absent,
 * so each may write a version; every instance then reads back the versions and uses the OLDEST enabled one (ties
 * broken by version id), which all of them agree on whatever order their writes landed in. Key Vault stamps
 * versions to the second, so a version younger than `settleMs` is only trusted after a second look: by then any
 * concurrent version is listed, and any later one carries a later timestamp. The certificate works the same way
 * among the versions that are usable (cover the host names, not about to expire).
 */
export class KeyVaultKeyStore implements KeyStore {
  readonly #secrets: SecretClient;
  readonly #certificates: CertificateClient;
  readonly #clock: Clock;
  readonly #contentType: CertificateContentType;
  readonly #pollIntervalMs: number;
  readonly #creationTimeoutMs: number;
  readonly #settleMs: number;
  readonly #keys = new Map<string, Promise<Buffer>>();

  constructor(options: KeyVaultKeyStoreOptions) {
    this.#secrets = new SecretClient(options.vaultUrl, options.credential, options.clientOptions);
    this.#certificates = new CertificateClient(options.vaultUrl, options.credential, options.clientOptions);
    this.#clock = options.clock ?? systemClock;
    this.#contentType = options.certificateContentType ?? 'application/x-pem-file';
    this.#pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.#creationTimeoutMs = options.creationTimeoutMs ?? 120_000;
    this.#settleMs = options.settleMs ?? 5000;
  }

  getDataKey(): Promise<Buffer> {
    return this.#key(keyVaultNames.dataKey);
  }

  getTokenSigningKey(): Promise<Buffer> {
    return this.#key(keyVaultNames.tokenSigningKey);
  }

  async getMasterCertificate(hostnames: readonly string[]): Promise<MasterCertificate> {
    const name = keyVaultNames.masterCertificate;
    const oldestUsable = () => this.#settle(() => this.#oldestUsableCertificate(hostnames));
    const attempts = Math.max(1, Math.ceil(this.#creationTimeoutMs / this.#pollIntervalMs));
    try {
      let found = await oldestUsable();
      for (let attempt = 1; !found; attempt++) {
        const created = await this.#createCertificate(hostnames);
        found = await oldestUsable();
        if (found) break;
        if (created) throw new KeyStoreError(name, 'was created, but no usable version of it is listed');
        if (attempt >= attempts) {
          throw new KeyStoreError(
            name,
            'cannot be created: Key Vault keeps answering 409 Conflict. Another creation may be stuck (see its ' +
              'pending operation), or a deleted certificate of this name awaits recovery or purge.',
          );
        }
        // Another instance's creation is under way: look again once it had time to finish, before creating.
        await sleep(this.#pollIntervalMs);
        found = await oldestUsable();
      }
      return found;
    } catch (error) {
      throw asKeyStoreError(name, error);
    }
  }

  /** One lookup per secret per store; a failed one is forgotten so that the next call tries again. */
  #key(name: string): Promise<Buffer> {
    let key = this.#keys.get(name);
    if (!key) {
      key = this.#readOrCreateKey(name).catch((error: unknown) => {
        this.#keys.delete(name);
        throw asKeyStoreError(name, error);
      });
      this.#keys.set(name, key);
    }
    return key;
  }

  async #readOrCreateKey(name: string): Promise<Buffer> {
    const oldest = () => this.#settle(() => this.#oldestEnabledSecretVersion(name));
    let version = await oldest();
    if (!version) {
      try {
        await this.#secrets.setSecret(name, randomBytes(keyBytes).toString('base64'), {
          contentType: 'application/octet-stream; base64',
        });
      } catch (error) {
        if (statusCode(error) === 409) {
          // Never purge it: it may be the only copy of the key that decrypts stored parameter values.
          throw new KeyStoreError(name, 'is deleted but recoverable in the vault: recover it (az keyvault secret recover)', {
            cause: error,
          });
        }
        throw error;
      }
      version = await oldest();
    }
    if (!version) throw new KeyStoreError(name, 'was written, but no enabled version of it is listed');
    const value = (await this.#secrets.getSecret(name, { version })).value ?? '';
    const key = Buffer.from(value, 'base64');
    if (key.length !== keyBytes) throw new KeyStoreError(name, `version ${version} holds ${key.length} bytes, not ${keyBytes}`);
    return key;
  }

  /**
   * Runs `choose` (the oldest acceptable version, with its creation time) and, when that version is younger than
   * `settleMs`, once more after it has reached that age (see the class comment).
   */
  async #settle<T>(choose: () => Promise<{ chosen: T; createdOn: Date | undefined } | undefined>): Promise<T | undefined> {
    const first = await choose();
    if (!first) return undefined;
    const age = this.#clock.now() - (first.createdOn?.getTime() ?? Number.NEGATIVE_INFINITY);
    if (age >= this.#settleMs) return first.chosen;
    await sleep(this.#settleMs - Math.max(age, 0));
    return (await choose())?.chosen;
  }

  async #oldestEnabledSecretVersion(name: string): Promise<{ chosen: string; createdOn: Date | undefined } | undefined> {
    const versions: SecretProperties[] = [];
    try {
      for await (const properties of this.#secrets.listPropertiesOfSecretVersions(name)) {
        if (properties.enabled !== false && properties.version && !this.#expired(properties.expiresOn)) {
          versions.push(properties);
        }
      }
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
    const oldest = versions.sort(oldestFirst)[0];
    return oldest?.version ? { chosen: oldest.version, createdOn: oldest.createdOn } : undefined;
  }

  async #oldestUsableCertificate(
    hostnames: readonly string[],
  ): Promise<{ chosen: MasterCertificate; createdOn: Date | undefined } | undefined> {
    const name = keyVaultNames.masterCertificate;
    const versions: CertificateProperties[] = [];
    try {
      for await (const properties of this.#certificates.listPropertiesOfCertificateVersions(name)) {
        const expiresOn = properties.expiresOn?.getTime();
        const lasts = expiresOn === undefined || expiresOn - this.#clock.now() > masterCertificateRenewBeforeMs;
        if (properties.enabled !== false && properties.version && lasts) versions.push(properties);
      }
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
    for (const { version, createdOn } of versions.sort(oldestFirst)) {
      if (!version) continue;
      const { cer } = await this.#certificates.getCertificateVersion(name, version);
      if (!cer) continue; // still being issued
      const certPem = new X509Certificate(Buffer.from(cer)).toString();
      if (!isMasterCertificateUsable(certPem, hostnames, this.#clock.now())) continue;
      const secret = await this.#secrets.getSecret(name, { version });
      const keyPem = this.#privateKeyPem(secret.value ?? '', secret.properties.contentType);
      return { chosen: describeMasterCertificate(certPem, keyPem), createdOn };
    }
    return undefined;
  }

  /** Starts a creation and waits for it; false when Key Vault refused with 409 (another one is under way). */
  async #createCertificate(hostnames: readonly string[]): Promise<boolean> {
    const { dnsNames, ipAddresses } = subjectAlternativeNames(hostnames);
    const policy: CertificatePolicy = {
      issuerName: 'Self',
      subject: `CN=${hostnames[0] ?? 'localhost'}`,
      // Never empty: the loopback names (localhost, 127.0.0.1, ::1) are always among them.
      subjectAlternativeNames: { dnsNames: dnsNames as [string, ...string[]], ipAddresses: ipAddresses as [string, ...string[]] },
      keyType: 'EC',
      keyCurveName: 'P-256',
      exportable: true,
      reuseKey: false,
      contentType: this.#contentType,
      keyUsage: ['digitalSignature'],
      enhancedKeyUsage: ['1.3.6.1.5.5.7.3.1'], // serverAuth
      validityInMonths: 24,
    };
    try {
      const poller = await this.#certificates.beginCreateCertificate(keyVaultNames.masterCertificate, policy, {
        intervalInMs: this.#pollIntervalMs,
      });
      await poller.pollUntilDone();
      return true;
    } catch (error) {
      if (statusCode(error) === 409) return false;
      throw error;
    }
  }

  /** The key from the certificate's secret, as PKCS#8 PEM whichever form the policy's content type gave it. */
  #privateKeyPem(value: string, contentType: string | undefined): string {
    if (contentType === 'application/x-pkcs12') return readPkcs12(Buffer.from(value, 'base64')).privateKeyPem;
    const key = value.match(/-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----/)?.[0];
    if (!key) {
      throw new KeyStoreError(keyVaultNames.masterCertificate, `its secret (${contentType ?? 'no content type'}) holds no private key`);
    }
    return createPrivateKey(key).export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  #expired(expiresOn: Date | undefined): boolean {
    return expiresOn !== undefined && expiresOn.getTime() <= this.#clock.now();
  }
}

/** Oldest first by creation time; the version id breaks ties (Key Vault timestamps have one-second resolution). */
function oldestFirst(a: { createdOn?: Date; version?: string }, b: { createdOn?: Date; version?: string }): number {
  const byTime = (a.createdOn?.getTime() ?? 0) - (b.createdOn?.getTime() ?? 0);
  if (byTime !== 0) return byTime;
  const [x, y] = [a.version ?? '', b.version ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The HTTP status of an Azure SDK RestError, if `error` is one. */
function statusCode(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function asKeyStoreError(name: string, error: unknown): KeyStoreError {
  if (error instanceof KeyStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KeyStoreError(name, `Key Vault request failed: ${message}`, { cause: error });
}
