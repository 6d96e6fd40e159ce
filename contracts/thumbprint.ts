/** Hex without separators, lowercase: how thumbprints are compared and stored. */
export function normalizeThumbprint(text: string): string {
  return text.replace(/[\s:]/g, '').toLowerCase();
}

/** A SHA-1 (40 hex digits) or SHA-256 (64) thumbprint, separators and case aside. */
export function isThumbprint(text: string): boolean {
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(normalizeThumbprint(text));
}
