import { createWriteStream, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import ignore from 'ignore';
import yazl from 'yazl';
import { projectRoot } from '../functions/project.js';

/**
 * `npm run package:azure`: builds the zip `azd deploy` uploads to the Function App (azure.yaml: remote build),
 * which is what `func azure functionapp publish` uploads too: every file of the project that `.funcignore` leaves
 * in, and never node_modules (the platform installs the dependencies on Linux). Prints its size and file count,
 * then one JSON line. `--out <file>` names the zip (default dist/azure/master.zip).
 */
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const root = projectRoot();
const zipPath = resolve(values.out ?? join(root, 'dist', 'azure', 'master.zip'));

const funcignore = ignore().add(readFileSync(join(root, '.funcignore'), 'utf8'));
// With remote build, both azd and Core Tools leave node_modules out whatever .funcignore says.
funcignore.add('node_modules');

const files: string[] = [];
const visit = (folder: string): void => {
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    const entry = relative(root, path).split(sep).join('/');
    const stats = statSync(path);
    if (funcignore.ignores(stats.isDirectory() ? `${entry}/` : entry) || path === zipPath) continue;
    if (stats.isDirectory()) visit(path);
    else files.push(entry);
  }
};
visit(root);

const zip = new yazl.ZipFile();
let unzippedBytes = 0;
// A fixed time on every entry: the same sources give the same zip.
const mtime = new Date('2000-01-01T00:00:00Z');
for (const entry of files) {
  unzippedBytes += statSync(join(root, entry)).size;
  zip.addFile(join(root, entry), entry, { mtime });
}
zip.end();
mkdirSync(dirname(zipPath), { recursive: true });
await pipeline(zip.outputStream, createWriteStream(zipPath));

const zipBytes = statSync(zipPath).size;
const topLevel = [...new Set(files.map((entry) => entry.split('/')[0]))];
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2);
console.log(`${relative(process.cwd(), zipPath)}: ${files.length} files, ${mb(unzippedBytes)} MB unzipped, ${mb(zipBytes)} MB zipped`);
console.log(`  holds: ${topLevel.join(', ')}`);
console.log(JSON.stringify({ zip: zipPath, files: files.length, unzippedBytes, zipBytes }));
