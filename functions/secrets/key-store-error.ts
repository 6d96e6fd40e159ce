/** A key store could not produce a secret: `secret` names which one; the underlying failure is the `cause`. */
export class KeyStoreError extends Error {
  constructor(
    readonly secret: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${secret}: ${message}`, options);
    this.name = 'KeyStoreError';
  }
}
