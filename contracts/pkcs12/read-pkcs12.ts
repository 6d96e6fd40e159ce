import { createDecipheriv, createHash, createPrivateKey, pbkdf2Sync, X509Certificate, type KeyObject } from 'node:crypto';
import { type DerNode, derExplicit, derInteger, derOctets, derOid, derSequence, derTag, readDer } from './der.js';

/**
 * Reads a PKCS#12 (.pfx / .p12) file (RFC 7292) — what Windows' certificate export and `openssl pkcs12 -export`
 * write, and how Key Vault hands out a certificate's key when its policy's content type is application/x-pkcs12.
 * Node cannot read PKCS#12, so this walks the container itself and decrypts it with the schemes in use today:
 * PBES2 (PBKDF2 + AES or 3DES; Windows' "AES256-SHA256", OpenSSL 3's default) and the legacy PKCS#12 SHA-1 + 3DES.
 * The MAC is not checked: a wrong password is caught by the decryption and the structure check after it.
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

export function readPkcs12(file: Buffer, password = ''): Pkcs12Contents {
  const keys: KeyObject[] = [];
  const certificates: X509Certificate[] = [];
  let unreadable: unknown;
  try {
    const [, authSafe] = derSequence(readDer(file), 'PFX');
    const [contentType] = derSequence(authSafe, 'authSafe');
    if (derOid(contentType) !== oids.data) throw new Pkcs12Error('the PFX is signed with a public key, which is not supported');
    for (const info of derSequence(readDer(contentData(authSafe)), 'AuthenticatedSafe')) {
      let safeContents: Buffer | undefined;
      try {
        safeContents = openSafe(info, password);
      } catch (error) {
        // Often only the certificates' safe, under an obsolete cipher, while the key is readable: keep looking.
        unreadable ??= error;
      }
      if (safeContents !== undefined) readBags(safeContents, password, keys, certificates);
    }
  } catch (error) {
    if (error instanceof Pkcs12Error) throw error;
    throw new Pkcs12Error(`not a readable PFX (PKCS#12) file: ${(error as Error).message}`, { cause: error });
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
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1TwoKeyTripleDes: '1.2.840.113549.1.12.1.4',
  pbeSha1Rc2_128: '1.2.840.113549.1.12.1.5',
  pbeSha1Rc2_40: '1.2.840.113549.1.12.1.6',
} as const;

/** PBKDF2's PRF, by OID; HMAC-SHA1 when absent. */
const pbkdf2Digests: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
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

/** The octets of a ContentInfo of type data: [0] EXPLICIT OCTET STRING. */
function contentData(info: DerNode | undefined): Buffer {
  const [, content] = derSequence(info, 'ContentInfo');
  return derOctets(derExplicit(content, 'ContentInfo content'));
}

/** The SafeContents of one AuthenticatedSafe entry: plain data, or password-encrypted data opened here. */
function openSafe(info: DerNode, password: string): Buffer | undefined {
  const [typeNode, content] = derSequence(info, 'ContentInfo');
  const type = derOid(typeNode);
  if (type === oids.data) return contentData(info);
  if (type !== oids.encryptedData) return undefined; // public-key (enveloped) safes hold no key we could open
  const [, encryptedContentInfo] = derSequence(derExplicit(content, 'EncryptedData'), 'EncryptedData');
  const [, algorithm, ciphertext] = derSequence(encryptedContentInfo, 'EncryptedContentInfo');
  return decrypt(algorithm, derOctets(ciphertext, derTag.context0Primitive), password);
}

function readBags(safeContents: Buffer, password: string, keys: KeyObject[], certificates: X509Certificate[]): void {
  for (const bag of derSequence(readDer(safeContents), 'SafeContents')) {
    const [bagId, wrapped] = derSequence(bag, 'SafeBag');
    const value = derExplicit(wrapped, 'bagValue');
    const id = derOid(bagId);
    if (id === oids.keyBag) keys.push(pkcs8Key(value.raw));
    else if (id === oids.shroudedKeyBag) {
      const [algorithm, encrypted] = derSequence(value, 'EncryptedPrivateKeyInfo');
      keys.push(pkcs8Key(decrypt(algorithm, derOctets(encrypted), password)));
    } else if (id === oids.certBag) {
      const [certType, certValue] = derSequence(value, 'CertBag');
      if (derOid(certType) === oids.x509Certificate) certificates.push(new X509Certificate(derOctets(derExplicit(certValue, 'certValue'))));
    }
  }
}

function decrypt(algorithm: DerNode | undefined, ciphertext: Buffer, password: string): Buffer {
  const [oidNode, params] = derSequence(algorithm, 'AlgorithmIdentifier');
  const oid = derOid(oidNode);
  if (oid === oids.pbes2) {
    const [kdf, scheme] = derSequence(params, 'PBES2-params');
    const [kdfOid, kdfParams] = derSequence(kdf, 'keyDerivationFunc');
    if (derOid(kdfOid) !== oids.pbkdf2) throw new Pkcs12Error('the PFX uses a key derivation other than PBKDF2');
    const [salt, iterations, ...rest] = derSequence(kdfParams, 'PBKDF2-params');
    const prf = rest.find((node) => node.tag === derTag.sequence);
    const digest = prf ? pbkdf2Digests[derOid(derSequence(prf, 'prf')[0])] : 'sha1';
    const [schemeOid, iv] = derSequence(scheme, 'encryptionScheme');
    const cipher = pbes2Ciphers[derOid(schemeOid)];
    if (!digest || !cipher) throw new Pkcs12Error(`the PFX uses an unsupported PBES2 hash or cipher (${derOid(schemeOid)})`);
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), derOctets(salt), derInteger(iterations), cipher.keyLength, digest);
    return decipher(cipher.cipher, [{ key, iv: derOctets(iv) }], ciphertext);
  }
  if (oid === oids.pbeSha1TripleDes || oid === oids.pbeSha1TwoKeyTripleDes) {
    const [saltNode, iterationsNode] = derSequence(params, 'pkcs-12PbeParams');
    const salt = derOctets(saltNode);
    const iterations = derInteger(iterationsNode);
    // An empty password is encoded by most tools as a lone BMPString terminator, by some as nothing at all.
    const secrets = password === '' ? [Buffer.alloc(2), Buffer.alloc(0)] : [bmpString(password)];
    const candidates = secrets.map((secret) => {
      let key = pkcs12Kdf(secret, salt, iterations, 1, 24);
      if (oid === oids.pbeSha1TwoKeyTripleDes) key = Buffer.concat([key.subarray(0, 16), key.subarray(0, 8)]);
      return { key, iv: pkcs12Kdf(secret, salt, iterations, 2, 8) };
    });
    return decipher('des-ede3-cbc', candidates, ciphertext);
  }
  if (oid === oids.pbeSha1Rc2_40 || oid === oids.pbeSha1Rc2_128) {
    throw new Pkcs12Error(
      'the PFX is encrypted with RC2, which current OpenSSL no longer offers: export it again with AES (Windows: Export-PfxCertificate -CryptoAlgorithmOption AES256_SHA256; OpenSSL 3: openssl pkcs12 -export without -legacy)',
    );
  }
  throw new Pkcs12Error(`the PFX uses an unsupported encryption (${oid})`);
}

/** Decrypts with the first candidate key that yields well-formed DER. */
function decipher(cipher: string, candidates: { key: Buffer; iv: Buffer }[], ciphertext: Buffer): Buffer {
  let failure: unknown;
  for (const { key, iv } of candidates) {
    try {
      const d = createDecipheriv(cipher, key, iv);
      const plain = Buffer.concat([d.update(ciphertext), d.final()]);
      readDer(plain); // a wrong key passes the padding check once in 256 times; the structure check catches it
      return plain;
    } catch (error) {
      failure = error;
    }
  }
  throw new Pkcs12Error('cannot decrypt the PFX: wrong password (or a damaged file)', { cause: failure });
}

/** RFC 7292 appendix B.2 with SHA-1: `id` 1 derives key material, 2 the IV. */
function pkcs12Kdf(password: Buffer, salt: Buffer, iterations: number, id: number, length: number): Buffer {
  const u = 20;
  const v = 64;
  const repeat = (source: Buffer): Buffer => {
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length] ?? 0;
    return out;
  };
  const d = Buffer.alloc(v, id);
  const i = Buffer.concat([repeat(salt), repeat(password)]);
  const output: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = createHash('sha1').update(d).update(i).digest();
    for (let round = 1; round < iterations; round++) a = createHash('sha1').update(a).digest();
    output.push(a);
    const b = repeat(a);
    for (let block = 0; block < i.length; block += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (i[block + k] ?? 0) + (b[k] ?? 0) + carry;
        i[block + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(output).subarray(0, length);
}

/** A password as PKCS#12 hashes it: UTF-16 big-endian with a two-byte terminator. */
function bmpString(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let index = 0; index < password.length; index++) out.writeUInt16BE(password.charCodeAt(index), index * 2);
  return out;
}

/** Parses the decrypted key, which also catches a wrong password that slipped through the padding check. */
function pkcs8Key(der: Buffer): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new Pkcs12Error('cannot decrypt the PFX: wrong password (or a damaged file)', { cause: error });
  }
}
