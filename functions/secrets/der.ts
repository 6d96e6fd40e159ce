/**
 * Just enough DER (ASN.1 distinguished encoding) reading to walk a PKCS#12 file: definite lengths, single-byte tags.
 * Node parses certificates and keys itself; only the PKCS#12 container needs this.
 */
export interface DerNode {
  tag: number;
  /** The content octets. */
  value: Buffer;
  /** The whole encoding, header included. */
  raw: Buffer;
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
  if (end !== input.length) throw new Error(`DER: ${input.length - end} bytes after the element`);
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
  if (node?.tag !== tag) throw new Error(`DER: ${what} is not tagged 0x${tag.toString(16)}`);
  return derChildren(node);
}

export function derOid(node: DerNode | undefined): string {
  if (node?.tag !== derTag.oid || node.value.length === 0) throw new Error('DER: expected an OBJECT IDENTIFIER');
  const first = node.value[0] ?? 0;
  const arcs = [Math.min(Math.floor(first / 40), 2), first - Math.min(Math.floor(first / 40), 2) * 40];
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
  if (node?.tag !== derTag.integer || node.value.length > 6) throw new Error('DER: expected a small INTEGER');
  return node.value.readUIntBE(0, node.value.length);
}

export function derOctets(node: DerNode | undefined): Buffer {
  if (node?.tag !== derTag.octetString) throw new Error('DER: expected an OCTET STRING');
  return node.value;
}

function readAt(input: Buffer, offset: number): { node: DerNode; end: number } {
  const tag = input[offset];
  let length = input[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('DER: truncated header');
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not supported');
  let start = offset + 2;
  if (length === 0x80) throw new Error('DER: indefinite lengths (BER) are not supported');
  if (length > 0x80) {
    const octets = length & 0x7f;
    if (octets > 4) throw new Error('DER: length too large');
    length = input.readUIntBE(start, octets);
    start += octets;
  }
  const end = start + length;
  if (end > input.length) throw new Error('DER: truncated content');
  return { node: { tag, value: input.subarray(start, end), raw: input.subarray(offset, end) }, end };
}
