/**
 * Just enough DER (ASN.1 distinguished encoding) reading to walk a PKCS#12 file: single-byte tags, definite lengths.
 * Node parses certificates and keys itself; only the PKCS#12 container needs this. Constructed OCTET STRINGs (BER)
 * are joined, as some PFX writers split content into them.
 */
export interface DerNode {
  tag: number;
  constructed: boolean;
  /** The content bytes. */
  value: Buffer;
  /** The whole encoding, header included. */
  raw: Buffer;
}

export class DerError extends Error {
  constructor(message: string) {
    super(`DER: ${message}`);
    this.name = 'DerError';
  }
}

export const derTag = {
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  /** [0] constructed: EXPLICIT tagging, as PKCS#12 wraps content and bag values. */
  context0: 0xa0,
  /** [0] primitive: IMPLICIT octets, as EncryptedContentInfo carries its ciphertext. */
  context0Primitive: 0x80,
} as const;

/** Reads the one DER element that fills `input` exactly. */
export function readDer(input: Buffer): DerNode {
  const { node, end } = readAt(input, 0);
  if (end !== input.length) throw new DerError(`${input.length - end} bytes after the element`);
  return node;
}

/** The elements inside a constructed element (SEQUENCE, SET, explicit tag). */
export function derChildren(node: DerNode): DerNode[] {
  const children: DerNode[] = [];
  for (let offset = 0; offset < node.value.length; ) {
    const { node: child, end } = readAt(node.value, offset);
    children.push(child);
    offset = end;
  }
  return children;
}

/** The element's children, checking its tag; `what` names it in the error. */
export function derSequence(node: DerNode | undefined, what: string, tag: number = derTag.sequence): DerNode[] {
  if (node?.tag !== tag) throw new DerError(`${what} is not tagged 0x${tag.toString(16)}`);
  return derChildren(node);
}

/** The one element inside an EXPLICIT [0] wrapper. */
export function derExplicit(node: DerNode | undefined, what: string): DerNode {
  const inner = derSequence(node, what, derTag.context0)[0];
  if (!inner) throw new DerError(`${what} is empty`);
  return inner;
}

export function derOid(node: DerNode | undefined): string {
  if (node?.tag !== derTag.oid || node.value.length === 0) throw new DerError('expected an OBJECT IDENTIFIER');
  const first = node.value[0] ?? 0;
  const top = Math.min(Math.floor(first / 40), 2);
  const arcs = [top, first - top * 40];
  let arc = 0;
  for (const byte of node.value.subarray(1)) {
    arc = arc * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(arc);
      arc = 0;
    }
  }
  return arcs.join('.');
}

export function derInteger(node: DerNode | undefined): number {
  if (node?.tag !== derTag.integer || node.value.length > 6) throw new DerError('expected a small INTEGER');
  return node.value.readUIntBE(0, node.value.length);
}

/** The bytes of an OCTET STRING — primitive or constructed, also under an IMPLICIT tag such as [0]. */
export function derOctets(node: DerNode | undefined, tag: number = derTag.octetString): Buffer {
  if (node === undefined || (node.tag & ~0x20) !== tag) throw new DerError('expected an OCTET STRING');
  if (!node.constructed) return node.value;
  return Buffer.concat(derChildren(node).map((child) => derOctets(child)));
}

function readAt(input: Buffer, offset: number): { node: DerNode; end: number } {
  const tag = input[offset];
  let length = input[offset + 1];
  if (tag === undefined || length === undefined) throw new DerError('truncated header');
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let start = offset + 2;
  if (length === 0x80) throw new DerError('indefinite lengths (BER) are not supported');
  if (length > 0x80) {
    const octets = length & 0x7f;
    if (octets > 4 || start + octets > input.length) throw new DerError('bad length');
    length = input.readUIntBE(start, octets);
    start += octets;
  }
  const end = start + length;
  if (end > input.length) throw new DerError('truncated content');
  return { node: { tag, constructed: (tag & 0x20) !== 0, value: input.subarray(start, end), raw: input.subarray(offset, end) }, end };
}
