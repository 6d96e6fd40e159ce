import { Pkcs12Error, readPkcs12 } from '../../contracts/pkcs12/read-pkcs12.js';

export interface PfxContents {
  certificatePem: string;
  privateKeyPem: string;
}

/** The worker's certificate and key from a PFX file, as Windows' certificate export and `openssl pkcs12 -export` write it. */
export function readPfx(pfx: Buffer, password: string): PfxContents {
  const { certificatePem, privateKeyPem } = readPkcs12(pfx, password);
  if (certificatePem === undefined) throw new Pkcs12Error('the PFX holds no certificate for its private key');
  return { certificatePem, privateKeyPem };
}
