import { describe, expect, it } from 'vitest';
import { AesGcmValueCipher } from '../../functions/catalog/value-cipher.js';

const key = Buffer.alloc(32, 1);
const cipher = new AesGcmValueCipher(key);

/** Replaces one part of `v1.<nonce>.<tag>.<ciphertext>`. */
function withPart(value: string, index: number, change: (part: Buffer) => Buffer): string {
  const parts = value.split('.');
  parts[index] = change(Buffer.from(parts[index]!, 'base64url')).toString('base64url');
  return parts.join('.');
}

const flipFirstBit = (part: Buffer) => {
  const copy = Buffer.from(part);
  copy[0]! ^= 1;
  return copy;
};

describe('value cipher', () => {
  it.each(['s3cr3t-token', '', '"quoted" and ünïcødé ✓', 'x'.repeat(10_000)])('round-trips %j', (plaintext) => {
    expect(cipher.decrypt(cipher.encrypt(plaintext))).toBe(plaintext);
  });

  it('never stores the plaintext, and encrypts the same value differently each time', () => {
    const first = cipher.encrypt('s3cr3t-token');
    expect(first).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first).not.toContain('s3cr3t');
    expect(cipher.encrypt('s3cr3t-token')).not.toBe(first);
  });

  it.each([
    ['the ciphertext', 3],
    ['the tag', 2],
    ['the nonce', 1],
  ])('detects tampering with %s', (_part, index) => {
    const tampered = withPart(cipher.encrypt('s3cr3t-token'), index, flipFirstBit);
    expect(() => cipher.decrypt(tampered)).toThrow();
  });

  it('refuses a truncated tag', () => {
    const truncated = withPart(cipher.encrypt('s3cr3t-token'), 2, (tag) => tag.subarray(0, 4));
    expect(() => cipher.decrypt(truncated)).toThrow();
  });

  it('fails with the wrong key', () => {
    const other = new AesGcmValueCipher(Buffer.alloc(32, 2));
    expect(() => other.decrypt(cipher.encrypt('s3cr3t-token'))).toThrow();
  });

  it('refuses what it did not encrypt, and keys that are not 32 bytes', () => {
    expect(() => cipher.decrypt('s3cr3t-token')).toThrow(/not a value this cipher encrypted/);
    expect(() => cipher.decrypt('v2.a.b.c')).toThrow(/not a value this cipher encrypted/);
    expect(() => new AesGcmValueCipher(Buffer.alloc(16))).toThrow(/32 bytes, not 16/);
  });
});
