import { createDecipheriv, createPrivateKey, pbkdf2Sync, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { id_data, id_encryptedData, type ContentInfo } from '@peculiar/asn1-cms';
import {
  AuthenticatedSafe,
  CertBag,
  id_certBag,
  id_keyBag,
  id_pkcs8ShroudedKeyBag,
  id_x509Certificate,
  PFX,
  SafeContents,
  type MacData,
} from '@peculiar/asn1-pfx';
import { EncryptedPrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AsnParser, OctetString } from '@peculiar/asn1-schema';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { EncryptedData, Pbes2Params, Pbkdf2Params, Pkcs12PbeParams } from './password-based-encryption.js';
import { macDigests, pkcs12Kdf, pkcs12Mac, pkcs12PasswordEncodings, sha1 } from './pkcs12-key-derivation.js';

/**
 * Reads a PKCS#12 (.pfx / .p12) file (RFC 7292) — what Windows' certificate export and `openssl pkcs12 -export`
 * write, and how Key Vault hands out a certificate's key when its policy's content type is application/x-pkcs12.
 * Node cannot read PKCS#12: @peculiar/asn1-pfx parses the container; this checks its MAC (password integrity,
 * which every one of those writers adds) and decrypts it with the schemes in use today: PBES2 (PBKDF2 + AES or
 * 3DES; Windows' "AES256-SHA256", OpenSSL 3's default) and the legacy PKCS#12 SHA-1 + 3DES.
 */
export interface Pkcs12Contents {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** The certificate whose public key is the private key's, when the file holds it in a safe that could be opened. */
  certificatePem: string | undefined;
}

export class Pkcs12Error extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Pkcs12Error';
  }
}

const wrongPassword = 'cannot decrypt the PFX: wrong password';

export function readPkcs12(file: Buffer, password = ''): Pkcs12Contents {
  const { authSafe, macData } = parse(file, PFX, 'not a readable PFX (PKCS#12) file');
  if (authSafe.contentType !== id_data) throw new Pkcs12Error('the PFX is signed with a public key, which is not supported');
  const authSafeOctets = contentOctets(authSafe);
  // asn1-pfx fills an absent MacData with an empty default, whose digest has no algorithm.
  if (macData.mac.digestAlgorithm.algorithm === '') {
    throw new Pkcs12Error('the PFX has no MAC, so its integrity cannot be checked: export it with a password (and its MAC)');
  }
  const secret = macSecret(macData, authSafeOctets, password);
  if (secret === undefined) {
    // Only a wrong password and an altered file fail the MAC: a piece that still decrypts says the password is right.
    const opensWithPassword = safes(authSafeOctets).some((info) => {
      try {
        return openSafe(info, password, pkcs12PasswordEncodings(password)).opened > 0;
      } catch {
        return false;
      }
    });
    if (opensWithPassword) throw new Pkcs12Error('the PFX was altered after it was written: its MAC does not match, though the password opens it');
    throw new Pkcs12Error(`${wrongPassword} (its MAC does not match)`);
  }
  const keys: KeyObject[] = [];
  const certificates: X509Certificate[] = [];
  let unreadable: unknown;
  for (const info of safes(authSafeOctets)) {
    try {
      const safe = openSafe(info, password, [secret]);
      keys.push(...safe.keys);
      certificates.push(...safe.certificates);
    } catch (error) {
      // Often only the certificates' safe, under an obsolete cipher, while the key is readable: keep looking.
      unreadable ??= error;
    }
  }
  const key = keys[0];
  if (!key) {
    if (unreadable instanceof Pkcs12Error) throw unreadable;
    throw new Pkcs12Error('the PFX holds no private key that could be read (export it with its private key)', { cause: unreadable });
  }
  return {
    privateKeyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certificatePem: certificates.find((certificate) => certificate.checkPrivateKey(key))?.toString(),
  };
}

const oids = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1TwoKeyTripleDes: '1.2.840.113549.1.12.1.4',
  pbeSha1Rc2_128: '1.2.840.113549.1.12.1.5',
  pbeSha1Rc2_40: '1.2.840.113549.1.12.1.6',
} as const;

/** PBKDF2's PRF, by OID; HMAC-SHA1 when absent. */
const pbkdf2Digests: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

/** PBES2 encryption schemes, by OID: Node cipher name and key length. */
const pbes2Ciphers: Record<string, { cipher: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { cipher: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { cipher: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { cipher: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { cipher: 'des-ede3-cbc', keyLength: 24 },
};

function parse<T>(data: ArrayBuffer | Buffer, type: new () => T, what: string): T {
  try {
    return AsnParser.parse(data, type);
  } catch (error) {
    throw new Pkcs12Error(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** The octets of a ContentInfo of type data: [0] EXPLICIT OCTET STRING. */
function contentOctets(info: ContentInfo): Buffer {
  return Buffer.from(parse(info.content, OctetString, 'not a readable PFX (PKCS#12) file').buffer);
}

function safes(authSafeOctets: Buffer): ContentInfo[] {
  return parse(authSafeOctets, AuthenticatedSafe, 'not a readable PFX (PKCS#12) file');
}

/** The password as the PKCS#12 key derivation encodes it when the MAC matches under it, else undefined. */
function macSecret(macData: MacData, authSafeOctets: Buffer, password: string): Buffer | undefined {
  const algorithm = macData.mac.digestAlgorithm.algorithm;
  if (algorithm === oids.pbmac1) throw new Pkcs12Error('the PFX uses a PBMAC1 MAC, which is not supported: export it with an HMAC-SHA-256 MAC');
  const hash = macDigests[algorithm];
  if (!hash) throw new Pkcs12Error(`the PFX's MAC uses an unsupported digest (${algorithm})`);
  const expected = Buffer.from(macData.mac.digest.buffer);
  const salt = Buffer.from(macData.macSalt.buffer);
  return pkcs12PasswordEncodings(password).find((secret) => {
    const actual = pkcs12Mac(hash, secret, salt, macData.iterations, authSafeOctets);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}

interface OpenedSafe {
  keys: KeyObject[];
  certificates: X509Certificate[];
  /** How many encrypted pieces (the safe itself, its shrouded keys) decrypted to well-formed content. */
  opened: number;
}

/** The keys and certificates of one AuthenticatedSafe entry: plain data, or password-encrypted data opened here. */
function openSafe(info: ContentInfo, password: string, secrets: Buffer[]): OpenedSafe {
  const opened: OpenedSafe = { keys: [], certificates: [], opened: 0 };
  let safeContents: Buffer;
  if (info.contentType === id_data) safeContents = contentOctets(info);
  else if (info.contentType === id_encryptedData) {
    const { encryptedContentInfo } = parse(info.content, EncryptedData, 'not a readable PFX EncryptedData');
    const content = encryptedContentInfo.encryptedContent;
    const ciphertext = Buffer.concat(
      content?.value ? [Buffer.from(content.value.buffer)] : (content?.constructedValue ?? []).map((part) => Buffer.from(part.buffer)),
    );
    safeContents = decrypt(encryptedContentInfo.contentEncryptionAlgorithm, ciphertext, password, secrets, (plain) => parse(plain, SafeContents, wrongPassword));
    opened.opened++;
  } else return opened; // public-key (enveloped) safes hold no key we could open
  for (const bag of parse(safeContents, SafeContents, 'not a readable PFX SafeContents')) {
    if (bag.bagId === id_keyBag) opened.keys.push(pkcs8Key(Buffer.from(bag.bagValue)));
    else if (bag.bagId === id_pkcs8ShroudedKeyBag) {
      const { encryptionAlgorithm, encryptedData } = parse(bag.bagValue, EncryptedPrivateKeyInfo, 'not a readable PFX key bag');
      let key: KeyObject | undefined;
      decrypt(encryptionAlgorithm, Buffer.from(encryptedData.buffer), password, secrets, (plain) => (key = pkcs8Key(plain)));
      if (key) opened.keys.push(key);
      opened.opened++;
    } else if (bag.bagId === id_certBag) {
      const { certId, certValue } = parse(bag.bagValue, CertBag, 'not a readable PFX certificate bag');
      if (certId === id_x509Certificate) {
        opened.certificates.push(new X509Certificate(Buffer.from(parse(certValue, OctetString, 'not a readable PFX certificate bag').buffer)));
      }
    }
  }
  return opened;
}

/**
 * Decrypts with the first candidate key whose plaintext `check` accepts (a wrong key passes the padding check
 * once in 256 times; the structure check catches it).
 */
function decrypt(algorithm: AlgorithmIdentifier, ciphertext: Buffer, password: string, secrets: Buffer[], check: (plain: Buffer) => unknown): Buffer {
  const { cipher, candidates } = cipherKeys(algorithm, password, secrets);
  let failure: unknown;
  for (const { key, iv } of candidates) {
    try {
      const d = createDecipheriv(cipher, key, iv);
      const plain = Buffer.concat([d.update(ciphertext), d.final()]);
      check(plain);
      return plain;
    } catch (error) {
      failure = error;
    }
  }
  throw new Pkcs12Error(`${wrongPassword} (or a damaged file)`, { cause: failure });
}

function cipherKeys(algorithm: AlgorithmIdentifier, password: string, secrets: Buffer[]): { cipher: string; candidates: { key: Buffer; iv: Buffer }[] } {
  const oid = algorithm.algorithm;
  const params = algorithm.parameters ?? new ArrayBuffer(0);
  if (oid === oids.pbes2) {
    const { keyDerivationFunc, encryptionScheme } = parse(params, Pbes2Params, 'not readable PBES2 parameters');
    if (keyDerivationFunc.algorithm !== oids.pbkdf2) throw new Pkcs12Error('the PFX uses a key derivation other than PBKDF2');
    const kdf = parse(keyDerivationFunc.parameters ?? new ArrayBuffer(0), Pbkdf2Params, 'not readable PBKDF2 parameters');
    const digest = kdf.prf ? pbkdf2Digests[kdf.prf.algorithm] : 'sha1';
    const cipher = pbes2Ciphers[encryptionScheme.algorithm];
    if (!digest || !cipher) throw new Pkcs12Error(`the PFX uses an unsupported PBES2 hash or cipher (${encryptionScheme.algorithm})`);
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(kdf.salt.buffer), kdf.iterationCount, cipher.keyLength, digest);
    const iv = Buffer.from(parse(encryptionScheme.parameters ?? new ArrayBuffer(0), OctetString, 'not a readable PBES2 IV').buffer);
    return { cipher: cipher.cipher, candidates: [{ key, iv }] };
  }
  if (oid === oids.pbeSha1TripleDes || oid === oids.pbeSha1TwoKeyTripleDes) {
    const pbe = parse(params, Pkcs12PbeParams, 'not readable PKCS#12 PBE parameters');
    const salt = Buffer.from(pbe.salt.buffer);
    const candidates = secrets.map((secret) => {
      let key = pkcs12Kdf(sha1, secret, salt, pbe.iterations, 1, 24);
      if (oid === oids.pbeSha1TwoKeyTripleDes) key = Buffer.concat([key.subarray(0, 16), key.subarray(0, 8)]);
      return { key, iv: pkcs12Kdf(sha1, secret, salt, pbe.iterations, 2, 8) };
    });
    return { cipher: 'des-ede3-cbc', candidates };
  }
  if (oid === oids.pbeSha1Rc2_40 || oid === oids.pbeSha1Rc2_128) {
    throw new Pkcs12Error(
      'the PFX is encrypted with RC2, which current OpenSSL no longer offers: export it again with AES (Windows: Export-PfxCertificate -CryptoAlgorithmOption AES256_SHA256; OpenSSL 3: openssl pkcs12 -export without -legacy)',
    );
  }
  throw new Pkcs12Error(`the PFX uses an unsupported encryption (${oid})`);
}

/** Parses a decrypted key, which also catches a wrong key that slipped through the padding check. */
function pkcs8Key(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new Pkcs12Error(`${wrongPassword} (or a damaged file)`, { cause: error });
  }
}
