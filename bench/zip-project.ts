import yazl from 'yazl';

/** The benchmark's project: one package that does nothing (the bench workers never run it anyway). */
export function zipProject(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(JSON.stringify({ name: 'Noop', packages: [{ name: 'noop', runner: 'node', entry: 'noop.mjs' }] })), 'scaleout.json');
  zip.addBuffer(Buffer.from('export default async function noop() {}\n'), 'noop.mjs');
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
