import { EncryptedContentInfo } from '@peculiar/asn1-cms';
import { AsnProp, AsnPropTypes, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';

/**
 * The ASN.1 types a PKCS#12 file's password-based encryption uses that the @peculiar packages do not define
 * (RFC 7292 and RFC 8018). The project compiles without legacy decorators, so each type's fields are declared
 * by calling asn1-schema's property decorator, as its own compiled classes do.
 */
function declare(type: new () => object, fields: Record<string, Parameters<typeof AsnProp>[0]>): void {
  for (const [name, options] of Object.entries(fields)) AsnProp(options)(type.prototype as object, name);
}

/** RFC 7292 EncryptedData ::= SEQUENCE { version, encryptedContentInfo }: a password-encrypted safe. */
export class EncryptedData {
  version = 0;
  encryptedContentInfo = new EncryptedContentInfo();
}
declare(EncryptedData, {
  version: { type: AsnPropTypes.Integer },
  encryptedContentInfo: { type: EncryptedContentInfo },
});

/** RFC 8018 PBES2-params: how the key is derived, then which cipher (and IV) it keys. */
export class Pbes2Params {
  keyDerivationFunc = new AlgorithmIdentifier();
  encryptionScheme = new AlgorithmIdentifier();
}
declare(Pbes2Params, {
  keyDerivationFunc: { type: AlgorithmIdentifier },
  encryptionScheme: { type: AlgorithmIdentifier },
});

/** RFC 8018 PBKDF2-params; the PRF defaults to HMAC-SHA1 when absent. */
export class Pbkdf2Params {
  salt = new OctetString();
  iterationCount = 0;
  keyLength?: number;
  prf?: AlgorithmIdentifier;
}
declare(Pbkdf2Params, {
  salt: { type: OctetString },
  iterationCount: { type: AsnPropTypes.Integer },
  keyLength: { type: AsnPropTypes.Integer, optional: true },
  prf: { type: AlgorithmIdentifier, optional: true },
});

/** RFC 7292 pkcs-12PbeParams: the salt and iteration count of the legacy PKCS#12 SHA-1 schemes. */
export class Pkcs12PbeParams {
  salt = new OctetString();
  iterations = 0;
}
declare(Pkcs12PbeParams, {
  salt: { type: OctetString },
  iterations: { type: AsnPropTypes.Integer },
});
