/**
 * Where the master keeps its secrets. One port, two adapters: files under `.data/` (mode 0600) on one machine,
 * Azure Key Vault in Azure. Every secret is created on first use and never changes after: several master instances
 * starting together must all end up with the same one.
 */
export interface KeyStore {
  /** The 32-byte AES-256 key that encrypts sensitive parameter values at rest. */
  getDataKey(): Promise<Buffer>;
  /** The 32-byte HMAC key that signs the tokens the master itself issues (task-scoped credentials). */
  getTokenSigningKey(): Promise<Buffer>;
  /**
   * The certificate the master serves HTTPS with when it terminates TLS itself (the local host). A self-signed
   * certificate for `hostnames` is created on first use; workers pin its thumbprint.
   */
  getMasterCertificate(hostnames: readonly string[]): Promise<MasterCertificate>;
}

export interface MasterCertificate {
  certPem: string;
  keyPem: string;
  /** Hex, lowercase, no colons. */
  thumbprintSha1: string;
  thumbprintSha256: string;
  /** Epoch milliseconds. */
  notAfter: number;
}
