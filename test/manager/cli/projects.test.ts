import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProject, listProjects } from '../../../contracts/management/endpoints.js';
import { packProject } from '../../../manager/cli/commands/pack-project.js';
import { sampleProjectFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { temporaryFolders } from '../../support/temporary-folders.js';
import { lines, masterEnv, runInProcess, type CliRunOptions } from './harness.js';

const newFolder = temporaryFolders('scaleout-cli-project-');

/** Writes `{ path: content }` under a new folder and returns it. */
function projectFolder(files: Record<string, string>, name = 'etl'): string {
  const root = join(newFolder(), name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function zipEntries(zip: Buffer): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(error);
      const modes = new Map<string, number>();
      file.on('entry', (entry: yauzl.Entry) => {
        modes.set(entry.fileName, (entry.externalFileAttributes >>> 16) & 0o777);
        file.readEntry();
      });
      file.on('end', () => resolve(modes));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

describe('packing a project folder', () => {
  it('packs every file with forward-slash names and its mode, skipping .git', async () => {
    const dir = projectFolder({ ...sampleProjectFiles(), '.git/HEAD': 'ref: refs/heads/main\n', 'data/lookup.csv': 'a,b\n' });
    chmodSync(join(dir, 'bin/load.sh'), 0o755);
    const packed = await packProject(dir);
    const modes = await zipEntries(packed.zip);
    expect([...modes.keys()].sort()).toEqual(['bin/load.sh', 'data/lookup.csv', 'extract.mjs', 'scaleout.json']);
    expect(modes.get('bin/load.sh')).toBe(0o755);
    expect(packed.manifest.packages.map((p) => p.name)).toEqual(['extract', 'load']);
  });
});

describe('scaleout project and package', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  const cli = (args: string[], options: CliRunOptions = {}) => runInProcess(args, { env, ...options });

  beforeAll(async () => {
    master = await startTestMaster();
    env = masterEnv(master);
  });
  afterAll(async () => {
    await master?.stop();
  });

  it('deploys a folder as the next version of the project, named by the manifest', async () => {
    const dir = projectFolder(sampleProjectFiles());
    const first = await cli(['project', 'deploy', dir, '--folder', 'Finance']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Deployed Finance\/ETL version 1 \(\d+(\.\d)? (B|KB), SHA-256 [0-9a-f]{12}…\): 2 package\(s\): extract, load\.$/m);
    expect(first.stderr).toMatch(/^Packed 3 file\(s\), .* into a .* archive\.$/m);

    const second = await cli(['project', 'deploy', dir, '--folder', 'Finance', '--json']);
    expect(second.code).toBe(0);
    const version = JSON.parse(second.stdout) as { versionNumber: number; archiveSha256: string };
    expect(version.versionNumber).toBe(2);
    expect(await master.admin(getProject, { params: { folderName: 'Finance', projectName: 'ETL' } })).toMatchObject({
      versionNumber: 2,
      archiveSha256: version.archiveSha256,
    });
  });

  it('names the project by --name, else by its folder when the manifest has no name, and shows progress on a terminal', async () => {
    const files = sampleProjectFiles();
    const manifest = JSON.parse(files['scaleout.json']!) as { name?: string };
    delete manifest.name;
    const dir = projectFolder({ ...files, 'scaleout.json': JSON.stringify(manifest) }, 'Nightly');
    const byFolder = await cli(['project', 'deploy', dir, '--folder', 'Ops'], { tty: true });
    expect(byFolder.code).toBe(0);
    expect(byFolder.stdout).toContain('Deployed Ops/Nightly version 1');
    expect(byFolder.stderr).toContain('Packing 3/3 files…');
    expect(byFolder.stderr).toMatch(/Uploading \d+(\.\d)? (B|KB): 100%\n$/);

    const byName = await cli(['project', 'deploy', dir, '--folder', 'Ops', '--name', 'Renamed']);
    expect(byName.stdout).toContain('Deployed Ops/Renamed version 1');
  });

  it('refuses a symbolic link, naming it, and uploads nothing', async () => {
    const dir = projectFolder(sampleProjectFiles(), 'Linked');
    symlinkSync('/etc/passwd', join(dir, 'bin', 'passwords'));
    const result = await cli(['project', 'deploy', dir, '--folder', 'Finance', '--name', 'Linked']);
    expect(result.code).toBe(2);
    expect(lines(result.stderr)).toEqual([
      `error: ${join(dir, 'bin', 'passwords')}: is a symbolic link; a project archive holds only files and folders (copy what it points to instead)`,
    ]);
    expect((await master.admin(listProjects, { query: { folder: 'Finance' } })).projects.map((p) => p.projectName)).not.toContain('Linked');
  });

  it('refuses a folder without scaleout.json, or with an invalid one, naming the field', async () => {
    const empty = projectFolder({ 'readme.txt': 'hello' });
    const missing = await cli(['project', 'deploy', empty, '--folder', 'Finance']);
    expect(missing.code).toBe(2);
    expect(lines(missing.stderr)).toEqual([
      `error: ${join(empty, 'scaleout.json')}: not found; a project folder has scaleout.json at its root, declaring its packages`,
    ]);

    const bad = projectFolder({ 'scaleout.json': JSON.stringify({ packages: [{ name: 'x', runner: 'cobol', entry: 'x' }] }) });
    const invalid = await cli(['project', 'deploy', bad, '--folder', 'Finance']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: .*scaleout\.json: packages\.0\.runner: /);
  });

  it("passes on the master's refusal of an archive, with exit code 1", async () => {
    const dir = projectFolder({ 'scaleout.json': JSON.stringify({ packages: [{ name: 'x', runner: 'node', entry: 'missing.mjs' }] }) });
    const result = await cli(['project', 'deploy', dir, '--folder', 'Finance', '--name', 'Broken']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr).at(-1)).toBe("error: scaleout.json.packages[0].entry: 'missing.mjs' is not in the archive");
  });

  it('rejects a bad folder name before packing', async () => {
    const dir = projectFolder(sampleProjectFiles());
    const result = await cli(['project', 'deploy', dir, '--folder', '../up']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: --folder: '\.\.\/up' is not a valid catalog name/);
  });

  it('lists projects, all or by folder, as a table and as JSON', async () => {
    const all = await cli(['project', 'list']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^FOLDER +PROJECT +VERSION +PACKAGES +SIZE +DEPLOYED$/m);
    expect(all.stdout).toMatch(/^Finance +ETL +2 +extract, load +/m);
    expect(all.stdout).toMatch(/^Ops +Nightly +1 /m);

    const ops = await cli(['project', 'list', '--folder', 'Ops', '--json']);
    const parsed = JSON.parse(ops.stdout) as { projects: { projectName: string }[] };
    expect(parsed.projects.map((p) => p.projectName).sort()).toEqual(['Nightly', 'Renamed']);
  });

  it("lists a project's packages with their parameters", async () => {
    const result = await cli(['package', 'list', 'Finance/ETL']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^extract +node +extract\.mjs +1 min 00 s/m);
    expect(result.stdout).toMatch(/^load +process +bin\/load\.sh --target warehouse +-/m);
    expect(result.stdout).toMatch(/^extract +SourcePath +String +yes +no +-/m);
    expect(result.stdout).toMatch(/^extract +BatchSize +Int32 +no +no +100/m);
    expect(result.stdout).toMatch(/^extract +ApiToken +String +no +yes +-/m);

    const json = await cli(['package', 'list', 'Finance/ETL', '--json']);
    expect((JSON.parse(json.stdout) as { packages: unknown[] }).packages).toHaveLength(2);
  });

  it('reports an unknown project (4) and a malformed reference (2)', async () => {
    const unknown = await cli(['package', 'list', 'Finance/Nope']);
    expect(unknown.code).toBe(4);
    expect(lines(unknown.stderr)).toHaveLength(1);
    expect(unknown.stderr).toContain("'Finance/Nope' was not found");

    const malformed = await cli(['package', 'list', 'Finance']);
    expect(malformed.code).toBe(2);
    expect(lines(malformed.stderr)).toEqual(["error: 'Finance': expected FOLDER/PROJECT, e.g. Finance/ETL"]);
  });
});
