import { createDecipheriv, createHash, createPrivateKey, pbkdf2Sync } from 'node:crypto';
import { type DerNode, derInteger, derOctets, derOid, derSequence, derTag, readDer } from './der.js';

/**
 * The private key inside a PKCS#12 (PFX) file, as a PKCS#8 PEM. Key Vault stores a certificate's key this way when
 * the certificate policy's content type is application/x-pkcs12, with an empty password. Node cannot read PKCS#12,
 * so this walks the container itself (RFC 7292) and decrypts the key bag with the schemes in use today: PBES2
 * (PBKDF2 + AES or 3DES) and the PKCS#12 SHA-1 + 3DES scheme. Certificates are not read from the file: the caller
 * has them from the certificate object. The MAC is not checked (the file arrives over an authenticated channel).
 */
export function privateKeyPemFromPkcs12(pfx: Buffer, password = ''): string {
  const [, authSafe] = derSequence(readDer(pfx), 'PFX');
  let unreadable: unknown;
  for (const info of derSequence(readDer(contentData(authSafe)), 'AuthenticatedSafe')) {
    let safeContents: Buffer | undefined;
    try {
      safeContents = openSafe(info, password);
    } catch (error) {
      unreadable ??= error; // often only the certificates' safe, under an obsolete cipher: keep looking
    }
    if (safeContents === undefined) continue;
    for (const bag of derSequence(readDer(safeContents), 'SafeContents')) {
      const [bagId, wrapped] = derSequence(bag, 'SafeBag');
      const value = derSequence(wrapped, 'bagValue', derTag.context0)[0];
      const id = derOid(bagId);
      if (id === oids.keyBag && value) return pkcs8Pem(value.raw);
      if (id === oids.shroudedKeyBag) {
        const [algorithm, encrypted] = derSequence(value, 'EncryptedPrivateKeyInfo');
        return pkcs8Pem(decrypt(algorithm, derOctets(encrypted), password));
      }
    }
  }
  throw new Error('PKCS#12: the file holds no private key that could be read', { cause: unreadable });
}

/** The SafeContents of one AuthenticatedSafe entry: plain data, or password-encrypted data opened here. */
function openSafe(info: DerNode, password: string): Buffer | undefined {
  const [typeNode, content] = derSequence(info, 'ContentInfo');
  const type = derOid(typeNode);
  if (type === oids.data) return contentData(info);
  if (type !== oids.encryptedData) return undefined; // public-key (enveloped) safes hold no key we could open
  const [, encryptedContentInfo] = derSequence(derSequence(content, 'EncryptedData', derTag.context0)[0], 'EncryptedData');
  const [, algorithm, ciphertext] = derSequence(encryptedContentInfo, 'EncryptedContentInfo');
  if (ciphertext?.tag !== derTag.context0Primitive) throw new Error('PKCS#12: unsupported encrypted content encoding');
  return decrypt(algorithm, ciphertext.value, password);
}

const oids = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbeSha1TwoKeyTripleDes: '1.2.840.113549.1.12.1.4',
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
  return derOctets(derSequence(content, 'ContentInfo content', derTag.context0)[0]);
}

function decrypt(algorithm: DerNode | undefined, ciphertext: Buffer, password: string): Buffer {
  const [oidNode, params] = derSequence(algorithm, 'AlgorithmIdentifier');
  const oid = derOid(oidNode);
  if (oid === oids.pbes2) {
    const [kdf, scheme] = derSequence(params, 'PBES2-params');
    const [kdfOid, kdfParams] = derSequence(kdf, 'keyDerivationFunc');
    if (derOid(kdfOid) !== oids.pbkdf2) throw new Error('PKCS#12: PBES2 without PBKDF2 is not supported');
    const [salt, iterations, ...rest] = derSequence(kdfParams, 'PBKDF2-params');
    const prf = rest.find((node) => node.tag === derTag.sequence);
    const digest = prf ? pbkdf2Digests[derOid(derSequence(prf, 'prf')[0])] : 'sha1';
    const [schemeOid, iv] = derSequence(scheme, 'encryptionScheme');
    const cipher = pbes2Ciphers[derOid(schemeOid)];
    if (!digest || !cipher) throw new Error('PKCS#12: unsupported PBES2 PRF or cipher');
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), derOctets(salt), derInteger(iterations), cipher.keyLength, digest);
    return decipher(cipher.cipher, key, derOctets(iv), ciphertext);
  }
  if (oid === oids.pbeSha1TripleDes || oid === oids.pbeSha1TwoKeyTripleDes) {
    const [saltNode, iterationsNode] = derSequence(params, 'pkcs-12PbeParams');
    const salt = derOctets(saltNode);
    const iterations = derInteger(iterationsNode);
    // An empty password is encoded by most tools as a lone BMPString terminator, by some as nothing at all.
    const candidates = password === '' ? [Buffer.alloc(2), Buffer.alloc(0)] : [bmpString(password)];
    let failure: unknown;
    for (const secret of candidates) {
      let key = pkcs12Kdf(secret, salt, iterations, 1, 24);
      if (oid === oids.pbeSha1TwoKeyTripleDes) key = Buffer.concat([key.subarray(0, 16), key.subarray(0, 8)]);
      try {
        const plain = decipher('des-ede3-cbc', key, pkcs12Kdf(secret, salt, iterations, 2, 8), ciphertext);
        readDer(plain); // a wrong key passes the padding check once in 256 times; the structure check catches it
        return plain;
      } catch (error) {
        failure = error;
      }
    }
    throw new Error('PKCS#12: wrong password or damaged file', { cause: failure });
  }
  throw new Error(`PKCS#12: encryption ${oid} is not supported (RC2 and RC4 are obsolete)`);
}

function decipher(cipher: string, key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  const d = createDecipheriv(cipher, key, iv);
  return Buffer.concat([d.update(ciphertext), d.final()]);
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

/** Validates the decrypted key (wrong passwords that pass the padding check fail here) and encodes it. */
function pkcs8Pem(der: Buffer): string {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}
