import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Encrypts sensitive parameter values before they reach the catalog, and back for the lease holder only. */
export interface ValueCipher {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

const version = 'v1';

/**
 * AES-256-GCM with a random 96-bit nonce per value. Stored as `v1.<nonce>.<tag>.<ciphertext>` (base64url), so a
 * tampered or truncated value fails to decrypt instead of yielding garbage, and a later key scheme can coexist.
 * The key comes from the certificate/key store: a file under `.data/` locally, Key Vault in Azure.
 */
export class AesGcmValueCipher implements ValueCipher {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new Error(`the data key must be 32 bytes, not ${key.length}`);
    this.#key = Buffer.from(key);
  }

  encrypt(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [version, nonce.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string): string {
    const [v, nonce, tag, body] = ciphertext.split('.');
    if (v !== version || nonce === undefined || tag === undefined || body === undefined) {
      throw new Error('not a value this cipher encrypted');
    }
    // Without authTagLength Node accepts a tag cut to 4 bytes, which makes forging a value far easier.
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(nonce, 'base64url'), { authTagLength: 16 });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
