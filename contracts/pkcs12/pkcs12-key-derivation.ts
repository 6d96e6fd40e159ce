import { createHash, createHmac } from 'node:crypto';

/**
 * The PKCS#12 key derivation (RFC 7292 appendix B) and the MAC it keys: what the legacy SHA-1 + 3DES encryption
 * and every PFX's integrity check use. PBES2 encryption uses PBKDF2 instead, which Node has.
 */
export interface Pkcs12Hash {
  /** Node's digest name. */
  digest: string;
  /** The hash's input block size, which the derivation repeats salt and password to. */
  blockBytes: number;
}

export const sha1: Pkcs12Hash = { digest: 'sha1', blockBytes: 64 };
export const sha256: Pkcs12Hash = { digest: 'sha256', blockBytes: 64 };

/** The MAC's digest, by its OID in the PFX's MacData. */
export const macDigests: Record<string, Pkcs12Hash> = {
  '1.3.14.3.2.26': sha1,
  '2.16.840.1.101.3.4.2.4': { digest: 'sha224', blockBytes: 64 },
  '2.16.840.1.101.3.4.2.1': sha256,
  '2.16.840.1.101.3.4.2.2': { digest: 'sha384', blockBytes: 128 },
  '2.16.840.1.101.3.4.2.3': { digest: 'sha512', blockBytes: 128 },
};

/**
 * The password as the derivation hashes it: UTF-16 big-endian with a two-byte terminator. An empty password is
 * encoded by most tools as a lone terminator, by some as nothing at all, so it has two encodings to try.
 */
export function pkcs12PasswordEncodings(password: string): Buffer[] {
  if (password === '') return [Buffer.alloc(2), Buffer.alloc(0)];
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let index = 0; index < password.length; index++) out.writeUInt16BE(password.charCodeAt(index), index * 2);
  return [out];
}

/** The PFX's MAC: HMAC over the authSafe's octets, keyed by the derivation with id 3. */
export function pkcs12Mac(hash: Pkcs12Hash, encodedPassword: Buffer, salt: Buffer, iterations: number, authSafeOctets: Buffer): Buffer {
  const key = pkcs12Kdf(hash, encodedPassword, salt, iterations, 3, createHash(hash.digest).digest().length);
  return createHmac(hash.digest, key).update(authSafeOctets).digest();
}

/** RFC 7292 appendix B.2: `id` 1 derives key material, 2 an IV, 3 a MAC key. */
export function pkcs12Kdf(hash: Pkcs12Hash, encodedPassword: Buffer, salt: Buffer, iterations: number, id: number, length: number): Buffer {
  const v = hash.blockBytes;
  const repeat = (source: Buffer): Buffer => {
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length] ?? 0;
    return out;
  };
  const d = Buffer.alloc(v, id);
  const i = Buffer.concat([repeat(salt), repeat(encodedPassword)]);
  const output: Buffer[] = [];
  for (let produced = 0; produced < length; ) {
    let a = createHash(hash.digest).update(d).update(i).digest();
    for (let round = 1; round < iterations; round++) a = createHash(hash.digest).update(a).digest();
    output.push(a);
    produced += a.length;
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
