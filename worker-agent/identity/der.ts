/**
 * Just enough DER reading for PKCS#12 (pfx.ts): tag-length-value nodes with single-byte tags and definite lengths.
 * Constructed OCTET STRINGs (BER) are joined, as some PFX writers split content into them.
 */
export interface DerNode {
  tag: number;
  constructed: boolean;
  /** The content bytes. */
  value: Buffer;
}

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export const Tag = {
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  /** [0], constructed: EXPLICIT context tag 0. */
  context0: 0xa0,
  /** [0], primitive: IMPLICIT OCTET STRING under context tag 0. */
  context0Primitive: 0x80,
} as const;

/** Reads the one node at the start of `bytes`; returns it and where the next one starts. */
export function readNode(bytes: Buffer, offset = 0): { node: DerNode; next: number } {
  if (offset + 2 > bytes.length) throw new DerError('truncated');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let length = bytes[offset + 1] as number;
  let start = offset + 2;
  if (length === 0x80) throw new DerError('indefinite lengths are not supported');
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count > 4 || start + count > bytes.length) throw new DerError('bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] as number);
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) throw new DerError('truncated');
  return { node: { tag, constructed: (tag & 0x20) !== 0, value: bytes.subarray(start, end) }, next: end };
}

export function children(node: DerNode): DerNode[] {
  const nodes: DerNode[] = [];
  for (let offset = 0; offset < node.value.length; ) {
    const { node: child, next } = readNode(node.value, offset);
    nodes.push(child);
    offset = next;
  }
  return nodes;
}

export function expect(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new DerError(`expected ${what}`);
  return node;
}

/** The bytes of an OCTET STRING, primitive or constructed (also under an IMPLICIT tag). */
export function octets(node: DerNode): Buffer {
  if (!node.constructed) return node.value;
  return Buffer.concat(children(node).map(octets));
}

export function oid(node: DerNode | undefined): string {
  const value = expect(node, Tag.oid, 'an object identifier').value;
  const first = value[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let current = 0;
  for (let i = 1; i < value.length; i++) {
    const byte = value[i] as number;
    current = current * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(current);
      current = 0;
    }
  }
  return parts.join('.');
}

export function integer(node: DerNode | undefined): number {
  const value = expect(node, Tag.integer, 'an integer').value;
  let result = 0;
  for (const byte of value) result = result * 256 + byte;
  return result;
}
