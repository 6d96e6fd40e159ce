/**
 * The text to send for an uploaded certificate file: the CERTIFICATE block of a PEM file, or base64 of a DER
 * file. A file holding a private key is refused here, so the key never leaves the administrator's machine.
 */
export async function readCertificateFile(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new Error(`${file.name} holds a private key: upload only the certificate (the key stays on the worker)`);
  }
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  if (pem) return pem[0];
  if (text.trimStart().startsWith('-----BEGIN')) throw new Error(`${file.name} is PEM but holds no certificate`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
