import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../clock.js';
import type { KeyStore, MasterCertificate } from './key-store.js';
import { KeyStoreError } from './key-store-error.js';
import {
  createSelfSignedMasterCertificate,
  describeMasterCertificate,
  isMasterCertificateUsable,
} from './master-certificate.js';

export interface FileKeyStoreOptions {
  /** Where the secrets live; created with mode 0700 when missing. @default '.data/keys' */
  folder?: string;
  /** Decides when the master certificate is too close to expiry. @default systemClock */
  clock?: Clock;
}

/** File names inside the folder. The certificate and its key share one PEM file so that they change together. */
const files = {
  dataKey: 'data-key',
  tokenSigningKey: 'token-signing-key',
  masterCertificate: 'master-certificate.pem',
} as const;

const keyBytes = 32;

/**
 * The key store of the embedded default: one file per secret under `.data/keys`, readable by the owner only
 * (files 0600, folder 0700). A secret is written to a private temporary file and then published under its name
 * with link(), which fails if the name exists: of several processes starting at once exactly one publishes, and
 * the others read what it published, never a half-written file.
 */
export class FileKeyStore implements KeyStore {
  readonly #folder: string;
  readonly #clock: Clock;

  constructor(options: FileKeyStoreOptions = {}) {
    this.#folder = options.folder ?? join('.data', 'keys');
    this.#clock = options.clock ?? systemClock;
  }

  getDataKey(): Promise<Buffer> {
    return this.#key(files.dataKey);
  }

  getTokenSigningKey(): Promise<Buffer> {
    return this.#key(files.tokenSigningKey);
  }

  async getMasterCertificate(hostnames: readonly string[]): Promise<MasterCertificate> {
    const path = join(this.#folder, files.masterCertificate);
    const existing = await this.#read(path);
    if (existing !== undefined && isMasterCertificateUsable(certificatePart(existing), hostnames, this.#clock.now())) {
      return this.#describe(existing);
    }
    const created = await createSelfSignedMasterCertificate(hostnames, this.#clock.now());
    const bundle = `${created.certPem.trim()}\n${created.keyPem.trim()}\n`;
    if (existing === undefined) {
      await this.#publish(path, bundle);
    } else {
      // Replacing one that expires soon or lacks a requested name. rename() swaps it atomically; two processes
      // renewing in the same instant may each keep their own until restarted, which only the local host does.
      await this.#write(path, bundle, (temp) => rename(temp, path));
    }
    const stored = await this.#read(path);
    if (stored === undefined) throw new KeyStoreError(path, 'vanished right after it was written');
    return this.#describe(stored);
  }

  async #key(name: string): Promise<Buffer> {
    const path = join(this.#folder, name);
    const stored = (await this.#read(path)) ?? (await this.#publish(path, `${randomBytes(keyBytes).toString('base64')}\n`));
    const key = Buffer.from(stored.trim(), 'base64');
    // Never overwrite a damaged key: whatever it encrypted would become unreadable.
    if (key.length !== keyBytes) throw new KeyStoreError(path, `holds ${key.length} bytes, not ${keyBytes}; restore it from a backup`);
    return key;
  }

  /** Publishes `content` under `path` unless something is there already; returns what `path` holds afterwards. */
  async #publish(path: string, content: string): Promise<string> {
    await this.#write(path, content, async (temp) => {
      try {
        await link(temp, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    });
    const stored = await this.#read(path);
    if (stored === undefined) throw new KeyStoreError(path, 'vanished right after it was written');
    return stored;
  }

  /** Writes `content` to a fresh private temporary file beside `path`, hands it to `place`, then removes it. */
  async #write(path: string, content: string, place: (temp: string) => Promise<void>): Promise<void> {
    await mkdir(this.#folder, { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
      await place(temp);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async #read(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new KeyStoreError(path, 'cannot be read', { cause: error });
    }
  }

  #describe(bundle: string): MasterCertificate {
    const keyPem = bundle.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)?.[0];
    if (!keyPem) throw new KeyStoreError(files.masterCertificate, 'holds no PKCS#8 private key');
    return describeMasterCertificate(`${certificatePart(bundle)}\n`, `${keyPem}\n`);
  }
}

function certificatePart(bundle: string): string {
  const certPem = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0];
  if (!certPem) throw new KeyStoreError(files.masterCertificate, 'holds no certificate');
  return certPem;
}
