import { createDecipheriv, createHash, createPrivateKey, pbkdf2Sync, X509Certificate } from 'node:crypto';
import { asError } from '../errors.js';
import { children, DerError, expect, integer, octets, oid, readNode, Tag, type DerNode } from './der.js';

/**
 * Reads a PKCS#12 (.pfx / .p12) file — what Windows' certificate export and `openssl pkcs12 -export` write — into
 * the worker's PEM certificate and key. Supports the encryptions those tools use: PBES2 (PBKDF2 with AES or
 * 3DES; Windows "AES256-SHA256", OpenSSL 3's default) and the legacy pbeWithSHAAnd3-KeyTripleDES-CBC.
 */

const oids = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  sha1TripleDes: '1.2.840.113549.1.12.1.3',
  sha1Rc2_40: '1.2.840.113549.1.12.1.6',
  sha1Rc2_128: '1.2.840.113549.1.12.1.5',
} as const;

const prfs: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const ciphers: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

export class PfxError extends Error {
  constructor(message: string, options?: { cause?: Error }) {
    super(message, options);
    this.name = 'PfxError';
  }
}

export interface PfxContents {
  certificatePem: string;
  privateKeyPem: string;
}

export function readPfx(pfx: Buffer, password: string): PfxContents {
  let certificates: Buffer[] = [];
  let keys: Buffer[] = [];
  try {
    const root = children(readNode(pfx).node);
    const authSafe = children(root[1] ?? fail('no content'));
    if (oid(authSafe[0]) !== oids.data) throw new PfxError('the PFX is signed with a public key, which is not supported');
    const safes = children(readNode(octets(firstChild(authSafe[1]))).node);
    for (const contentInfo of safes) {
      const [type, content] = children(contentInfo);
      const kind = oid(type);
      let safeContents: Buffer;
      if (kind === oids.data) safeContents = octets(firstChild(content));
      else if (kind === oids.encryptedData) safeContents = decryptEncryptedData(firstChild(content), password);
      else continue;
      const found = readBags(safeContents, password);
      certificates = certificates.concat(found.certificates);
      keys = keys.concat(found.keys);
    }
  } catch (thrown) {
    const error = asError(thrown);
    if (error instanceof PfxError) throw error;
    throw new PfxError(`not a readable PFX file: ${error.message}`, { cause: error });
  }
  const key = keys[0];
  if (!key) throw new PfxError('the PFX holds no private key (export it with its private key)');
  const privateKey = createPrivateKey({ key, format: 'der', type: 'pkcs8' });
  const certificate = certificates.map((der) => new X509Certificate(der)).find((c) => c.checkPrivateKey(privateKey));
  if (!certificate) throw new PfxError("the PFX holds no certificate for its private key");
  return {
    certificatePem: certificate.toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

function readBags(safeContents: Buffer, password: string): { certificates: Buffer[]; keys: Buffer[] } {
  const certificates: Buffer[] = [];
  const keys: Buffer[] = [];
  for (const bag of children(readNode(safeContents).node)) {
    const [id, value] = children(bag);
    const kind = oid(id);
    const content = firstChild(value);
    if (kind === oids.certBag) {
      const [certType, certValue] = children(content);
      if (oid(certType) === oids.x509Certificate) certificates.push(octets(firstChild(certValue)));
    } else if (kind === oids.keyBag) {
      keys.push(Buffer.from(rawNode(content)));
    } else if (kind === oids.shroudedKeyBag) {
      const [algorithm, encrypted] = children(content);
      keys.push(decrypt(expect(algorithm, Tag.sequence, 'an algorithm'), octets(expect(encrypted, Tag.octetString, 'encrypted key')), password));
    }
  }
  return { certificates, keys };
}

function decryptEncryptedData(encryptedData: DerNode, password: string): Buffer {
  const [, encryptedContentInfo] = children(encryptedData);
  const [, algorithm, encrypted] = children(expect(encryptedContentInfo, Tag.sequence, 'encrypted content'));
  if (!encrypted || (encrypted.tag & 0x1f) !== 0) throw new DerError('no encrypted content');
  return decrypt(expect(algorithm, Tag.sequence, 'an algorithm'), octets(encrypted), password);
}

function decrypt(algorithm: DerNode, data: Buffer, password: string): Buffer {
  const [id, params] = children(algorithm);
  const kind = oid(id);
  let cipher: { name: string; key: Buffer; iv: Buffer };
  if (kind === oids.pbes2) {
    const [kdf, scheme] = children(params ?? fail('no PBES2 parameters'));
    const [kdfId, kdfParams] = children(kdf ?? fail('no key derivation'));
    if (oid(kdfId) !== oids.pbkdf2) throw new PfxError('the PFX uses a key derivation other than PBKDF2');
    const [salt, iterations, ...rest] = children(kdfParams ?? fail('no PBKDF2 parameters'));
    const prfNode = rest.find((n) => n.tag === Tag.sequence);
    const prf = prfNode ? prfs[oid(children(prfNode)[0])] : 'sha1';
    if (!prf) throw new PfxError('the PFX uses an unsupported PBKDF2 hash');
    const [schemeId, iv] = children(scheme ?? fail('no encryption scheme'));
    const chosen = ciphers[oid(schemeId)];
    if (!chosen) throw new PfxError(`the PFX uses an unsupported cipher (${oid(schemeId)})`);
    const key = pbkdf2Sync(Buffer.from(password, 'utf8'), octets(expect(salt, Tag.octetString, 'a salt')), integer(iterations), chosen.keyLength, prf);
    cipher = { name: chosen.name, key, iv: octets(expect(iv, Tag.octetString, 'an IV')) };
  } else if (kind === oids.sha1TripleDes) {
    const [salt, iterations] = children(params ?? fail('no PBE parameters'));
    const saltBytes = octets(expect(salt, Tag.octetString, 'a salt'));
    const rounds = integer(iterations);
    cipher = {
      name: 'des-ede3-cbc',
      key: pkcs12Kdf(password, saltBytes, rounds, 1, 24),
      iv: pkcs12Kdf(password, saltBytes, rounds, 2, 8),
    };
  } else if (kind === oids.sha1Rc2_40 || kind === oids.sha1Rc2_128) {
    throw new PfxError(
      'the PFX is encrypted with RC2, which current OpenSSL no longer offers: export it again with AES (Windows: Export-PfxCertificate -CryptoAlgorithmOption AES256_SHA256; OpenSSL 3: openssl pkcs12 -export without -legacy)',
    );
  } else {
    throw new PfxError(`the PFX uses an unsupported encryption (${kind})`);
  }
  try {
    const decipher = createDecipheriv(cipher.name, cipher.key, cipher.iv);
    return Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (thrown) {
    throw new PfxError('cannot decrypt the PFX: wrong password (or a damaged file)', { cause: asError(thrown) });
  }
}

/** RFC 7292 appendix B.2 with SHA-1: the key (id 1) and IV (id 2) of the legacy PKCS#12 encryptions. */
export function pkcs12Kdf(password: string, salt: Buffer, iterations: number, id: number, length: number): Buffer {
  const u = 20;
  const v = 64;
  const bmp = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) bmp.writeUInt16BE(password.charCodeAt(i), i * 2);
  const repeat = (bytes: Buffer): Buffer => {
    if (bytes.length === 0) return bytes;
    const out = Buffer.alloc(v * Math.ceil(bytes.length / v));
    for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length] as number;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeat(salt), repeat(bmp)]);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash('sha1').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha1').update(A).digest();
    blocks.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u] as number;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] as number) + (B[k] as number) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function firstChild(node: DerNode | undefined): DerNode {
  const child = children(expect(node, Tag.context0, 'explicit content'))[0];
  return child ?? fail('empty content');
}

/** A node re-encoded as DER (its tag and length in front of its value). */
function rawNode(node: DerNode): Buffer {
  const length = node.value.length;
  let header: number[];
  if (length < 0x80) header = [node.tag, length];
  else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    header = [node.tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), node.value]);
}

function fail(message: string): never {
  throw new DerError(message);
}
