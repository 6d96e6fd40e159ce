import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeUnzip, UnsafeArchiveError } from '../../worker-agent/safe-unzip.js';
import { declareUncompressedSize } from '../support/project-zip.js';
import { renameEntry, zipEntries } from './support/zip.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-unzip-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function refusal(archive: Buffer, limits = {}): Promise<UnsafeArchiveError> {
  const target = join(root, 'project');
  const error = await safeUnzip(archive, target, limits).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof UnsafeArchiveError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe('unpacking a project archive safely', () => {
  it('unpacks files and folders, keeping the executable bit', async () => {
    const main = 'export default () => {}';
    const script = '#!/bin/sh\necho hi\n';
    const archive = await zipEntries([
      { name: 'main.mjs', content: main },
      { name: 'bin/' },
      { name: 'bin/run.sh', content: script, mode: 0o100755 },
    ]);
    const result = await safeUnzip(archive, join(root, 'project'));
    expect(result).toEqual({ files: 2, bytes: main.length + script.length });
    expect(readFileSync(join(root, 'project', 'main.mjs'), 'utf8')).toBe('export default () => {}');
    expect(statSync(join(root, 'project', 'bin', 'run.sh')).mode & 0o111).not.toBe(0);
    expect(statSync(join(root, 'project', 'main.mjs')).mode & 0o111).toBe(0);
  });

  it("refuses an entry that climbs out with '..'", async () => {
    const archive = renameEntry(await zipEntries([{ name: 'ok.txt' }, { name: 'zz/evil.txt', content: 'x' }]), 'zz/evil.txt', '../evil.txt');
    const error = await refusal(archive);
    expect(error.message).toBe(`archive refused: entry "../evil.txt" climbs out of the project folder with '..'`);
    expect(existsSync(join(root, 'evil.txt'))).toBe(false);
  });

  it('refuses an entry hidden deeper that climbs out (a/../../x)', async () => {
    const archive = renameEntry(await zipEntries([{ name: 'a/zz/zz/x', content: 'x' }]), 'a/zz/zz/x', 'a/../../x');
    expect((await refusal(archive)).reason).toBe("climbs out of the project folder with '..'");
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('refuses an absolute path, Unix or Windows', async () => {
    const unix = renameEntry(await zipEntries([{ name: 'xtmp/scaleout-abs', content: 'x' }]), 'xtmp/scaleout-abs', '/tmp/scaleout-abs');
    expect((await refusal(unix)).message).toBe('archive refused: entry "/tmp/scaleout-abs" is an absolute path');
    const windows = renameEntry(await zipEntries([{ name: 'CC/Windows/x', content: 'x' }]), 'CC/Windows/x', 'C:/Windows/x');
    expect((await refusal(windows)).reason).toBe('is an absolute path');
    const backslashes = renameEntry(await zipEntries([{ name: 'zz/zz/x', content: 'x' }]), 'zz/zz/x', '..\\..\\x');
    expect((await refusal(backslashes)).reason).toBe("climbs out of the project folder with '..'");
  });

  it('refuses a symbolic link', async () => {
    const archive = await zipEntries([{ name: 'main.mjs' }, { name: 'link', content: '/etc/passwd', mode: 0o120777 }]);
    const error = await refusal(archive);
    expect(error.message).toBe('archive refused: entry "link" is a symbolic link');
    expect(existsSync(join(root, 'project', 'link'))).toBe(false);
  });

  it('refuses a name with a colon (a Windows alternate data stream)', async () => {
    const archive = await zipEntries([{ name: 'file.txt:stream', content: 'x' }]);
    expect((await refusal(archive)).reason).toMatch(/has a ':' in its name/);
  });

  it('refuses an archive with more entries than the limit, before writing anything', async () => {
    const archive = await zipEntries(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.txt`, content: 'x' })));
    const error = await refusal(archive, { maxEntries: 5 });
    expect(error.message).toBe('archive refused: has 6 entries, more than the limit of 5');
    expect(existsSync(join(root, 'project'))).toBe(false);
  });

  it('refuses an archive that unpacks past the size limit (a zip bomb)', async () => {
    const archive = await zipEntries([{ name: 'zeros.bin', content: '0'.repeat(200_000) }]);
    expect(archive.length).toBeLessThan(10_000);
    const error = await refusal(archive, { maxTotalBytes: 100_000 });
    expect(error.message).toBe('archive refused: entry "zeros.bin" takes the archive past the limit of 100000 bytes unpacked');
  });

  it('refuses an entry that inflates past its declared size, having written no more than it declared', async () => {
    const archive = declareUncompressedSize(await zipEntries([{ name: 'big.txt', content: 'x'.repeat(100_000) }]), 'big.txt', 10);
    expect((await refusal(archive)).message).toBe('archive refused: entry "big.txt" inflates past its declared size of 10 bytes');
    expect(existsSync(join(root, 'project', 'big.txt')) ? statSync(join(root, 'project', 'big.txt')).size : 0).toBeLessThanOrEqual(10);
  });

  it('refuses a name that appears twice', async () => {
    const archive = renameEntry(await zipEntries([{ name: 'a.txt', content: '1' }, { name: 'b.txt', content: '2' }]), 'b.txt', 'a.txt');
    expect((await refusal(archive)).reason).toBe('appears twice in the archive');
  });

  it('refuses what is not a zip file', async () => {
    expect((await refusal(Buffer.from('not a zip at all'))).message).toMatch(/^archive refused: is not a readable zip file/);
  });
});
