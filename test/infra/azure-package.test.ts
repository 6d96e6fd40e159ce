import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { projectRoot } from '../../functions/project.js';
import { distFolder } from '../support/dist.js';

const run = promisify(execFile);
const root = projectRoot();

interface PackageReport {
  zip: string;
  files: number;
  unzippedBytes: number;
  zipBytes: number;
}

/** Every entry of the zip with its bytes (the upload is small: under a megabyte). */
async function readZip(path: string): Promise<Map<string, Buffer>> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(path, { lazyEntries: true });
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

describe('npm run package:azure (the upload of azd deploy, remote build)', () => {
  let folder: string;
  let report: PackageReport;
  let printed: string;
  let entries: Map<string, Buffer>;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'scaleout-package-'));
    const { stdout } = await run(process.execPath, [join(distFolder, 'scripts', 'package-azure.js'), '--out', join(folder, 'master.zip')], {
      cwd: root,
    });
    printed = stdout;
    report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PackageReport;
    entries = await readZip(report.zip);
  }, 60_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('prints its size and file count, and they are the zip’s', () => {
    expect(printed).toMatch(/master\.zip: \d+ files, [\d.]+ MB unzipped, [\d.]+ MB zipped/);
    expect(report.files).toBe(entries.size);
    expect(report.unzippedBytes).toBe([...entries.values()].reduce((sum, bytes) => sum + bytes.length, 0));
    expect(report.unzippedBytes).toBeLessThanOrEqual(60 * 1024 * 1024);
  });

  it('holds the master’s sources and build files, nothing of tests, benches, infra, dev tooling or this machine', () => {
    const names = [...entries.keys()];
    for (const needed of ['package.json', 'package-lock.json', 'host.json', 'tsconfig.build.json', 'functions/app.ts', 'scripts/build-dashboard.ts']) {
      expect(names).toContain(needed);
    }
    const excluded = /^(node_modules|dist|test|bench|infra|examples|worker-agent|manager\/cli|bin|\.ci|\.data|\.git)\//;
    expect(names.filter((name) => excluded.test(name))).toEqual([]);
    // No native binary (better-sqlite3's or any), no settings with secrets, no source maps.
    expect(names.filter((name) => /\.node$|local\.settings|\.map$/.test(name))).toEqual([]);
  });

  it('declares better-sqlite3 optional, so an install where it cannot build still succeeds', () => {
    const manifest = JSON.parse(entries.get('package.json')!.toString()) as Record<string, Record<string, string> | undefined>;
    expect(manifest['dependencies']).not.toHaveProperty('better-sqlite3');
    expect(manifest['optionalDependencies']).toHaveProperty('better-sqlite3');
  });

  it('is enough for the remote build: `npm run build` over it gives the Functions entry point and the dashboard', async () => {
    const unpacked = join(folder, 'unpacked');
    for (const [name, bytes] of entries) {
      mkdirSync(dirname(join(unpacked, name)), { recursive: true });
      writeFileSync(join(unpacked, name), bytes);
    }
    // What `npm install` gives the platform's build: the same dependencies this checkout installed.
    symlinkSync(join(root, 'node_modules'), join(unpacked, 'node_modules'), 'dir');
    const build = (JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build'];
    expect(build).toBeDefined();
    await run('sh', ['-c', build!], { cwd: unpacked, env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env['PATH']}` } });
    expect(existsSync(join(unpacked, 'dist', 'functions', 'app.js'))).toBe(true);
    expect(existsSync(join(unpacked, 'dist', 'manager', 'dashboard', 'public', 'index.html'))).toBe(true);
  }, 240_000);
});
