import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addWorker,
  deployProject,
  disableWorker,
  enableWorker,
  getProject,
  getWorker,
  listFolders,
  listPackages,
  listProjects,
  listWorkers,
  removeWorker,
  setWorkerProperties,
} from '../../contracts/management/endpoints.js';
import { sampleProjectFiles, zipFiles } from '../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../support/test-master.js';
import { createWorkerIdentity } from '../support/test-worker.js';

const day = 86_400_000;

/** A zip whose entry name yazl would refuse to write: written under a same-length stand-in, then renamed in place. */
async function zipWithRawName(files: Record<string, string>, standIn: string, rawName: string): Promise<Buffer> {
  expect(standIn.length).toBe(rawName.length);
  const zip = await zipFiles(files);
  const renamed = Buffer.from(zip.toString('latin1').split(standIn).join(rawName), 'latin1');
  expect(renamed.equals(zip)).toBe(false);
  return renamed;
}

describe('the management API: workers and projects', () => {
  let master: TestMaster;

  beforeAll(async () => {
    master = await startTestMaster({ timers: false });
  });

  afterAll(async () => {
    await master?.stop();
  });

  describe('adding a worker', () => {
    it('takes a PEM certificate, starts the worker disabled, and says what to do next', async () => {
      const identity = await createWorkerIdentity('pem-node');
      const added = await master.admin(addWorker, { body: { certificate: identity.certPem, tags: ['etl'], maxTaskCount: 4 } });
      expect(added.worker).toMatchObject({
        machineName: 'pem-node',
        displayName: 'pem-node',
        isEnabled: false,
        status: 'disabled',
        tags: ['etl'],
        maxTaskCount: 4,
        certificate: { thumbprintSha1: identity.thumbprintSha1, thumbprintSha256: identity.thumbprintSha256 },
      });
      expect(added.certificate).toMatchObject({ subject: 'CN=pem-node', thumbprintSha256: identity.thumbprintSha256, clientAuth: true, keyAlgorithm: 'EC prime256v1' });
      const steps = added.nextSteps.join('\n');
      expect(steps).toContain(master.host.services.config.masterAddress);
      expect(steps).toContain(`MasterHttpsCertThumbprint = ${master.host.certificateThumbprint}`);
      expect(steps).toContain(`scaleout worker enable ${added.worker!.workerAgentId}`);
    });

    it('takes base64 DER, and SHA-1 or SHA-256 thumbprints in any spelling', async () => {
      const der = await createWorkerIdentity('der-node');
      expect((await master.admin(addWorker, { body: { certificate: der.derBase64 } })).worker!.certificate.thumbprintSha256).toBe(
        der.thumbprintSha256,
      );
      const sha1 = await createWorkerIdentity('sha1-node');
      const bySha1 = await master.admin(addWorker, { body: { thumbprint: sha1.thumbprintSha1.toUpperCase(), machineName: 'sha1-node' } });
      expect(bySha1.worker!.certificate).toEqual({ thumbprintSha1: sha1.thumbprintSha1, thumbprintSha256: null, notAfter: null });
      expect(bySha1.certificate).toBeUndefined();
      expect(bySha1.nextSteps.join('\n')).toContain('presents its certificate on first contact');
      const sha256 = await createWorkerIdentity('sha256-node');
      const colons = sha256.thumbprintSha256.match(/../g)!.join(':');
      const bySha256 = await master.admin(addWorker, { body: { thumbprint: colons, displayName: 'Build box' } });
      expect(bySha256.worker).toMatchObject({ machineName: 'Build box', certificate: { thumbprintSha256: sha256.thumbprintSha256 } });
    });

    it('stores nothing when only validating', async () => {
      const before = (await master.admin(listWorkers, {})).workers.length;
      const identity = await createWorkerIdentity('validated-node');
      const checked = await master.admin(addWorker, { body: { certificate: identity.certPem, validateOnly: true } });
      expect(checked.worker).toBeUndefined();
      expect(checked.certificate?.thumbprintSha1).toBe(identity.thumbprintSha1);
      expect(checked.nextSteps.length).toBeGreaterThan(0);
      expect((await master.admin(listWorkers, {})).workers.length).toBe(before);
    });

    it('refuses a bad certificate with 400 naming `certificate`', async () => {
      const expired = await createWorkerIdentity('expired', { notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
      const serverOnly = await createWorkerIdentity('server-only', { serverAuthOnly: true });
      for (const [certificate, reason] of [
        ['garbage', 'not an X.509 certificate'],
        [expired.certPem, 'expired on'],
        [serverOnly.certPem, 'does not allow client authentication'],
      ] as const) {
        const refused = master.admin(addWorker, { body: { certificate } });
        await expect(refused).rejects.toMatchObject({ status: 400, problem: { errors: [{ field: 'certificate' }] } });
        await expect(refused).rejects.toThrow(reason);
      }
    });

    it('refuses a worker already registered with 409', async () => {
      const identity = await createWorkerIdentity('twice');
      await master.admin(addWorker, { body: { certificate: identity.certPem } });
      await expect(master.admin(addWorker, { body: { certificate: identity.certPem } })).rejects.toMatchObject({ status: 409 });
      await expect(master.admin(addWorker, { body: { thumbprint: identity.thumbprintSha1, machineName: 'twice' } })).rejects.toMatchObject({
        status: 409,
      });
    });

    it('refuses a thumbprint without a machine or display name', async () => {
      const identity = await createWorkerIdentity('nameless');
      await expect(master.admin(addWorker, { body: { thumbprint: identity.thumbprintSha1 } })).rejects.toMatchObject({
        status: 400,
        problem: { errors: [{ field: 'machineName' }] },
      });
    });
  });

  it('enables, disables, sets properties of and removes a worker', async () => {
    const identity = await createWorkerIdentity('managed-node');
    const { workerAgentId } = (await master.admin(addWorker, { body: { certificate: identity.certPem } })).worker!;
    expect(await master.admin(enableWorker, { params: { workerAgentId } })).toMatchObject({ isEnabled: true, status: 'offline' });
    expect(await master.admin(disableWorker, { params: { workerAgentId } })).toMatchObject({ isEnabled: false, status: 'disabled' });
    const changed = await master.admin(setWorkerProperties, {
      params: { workerAgentId },
      body: { displayName: 'Nightly ETL', description: 'rack 4', tags: ['etl', 'gpu'], maxTaskCount: 2 },
    });
    expect(changed).toMatchObject({ displayName: 'Nightly ETL', description: 'rack 4', tags: ['etl', 'gpu'], maxTaskCount: 2 });
    expect(await master.admin(getWorker, { params: { workerAgentId } })).toEqual(changed);
    await master.admin(removeWorker, { params: { workerAgentId } });
    await expect(master.admin(getWorker, { params: { workerAgentId } })).rejects.toMatchObject({ status: 404 });
    await expect(master.admin(enableWorker, { params: { workerAgentId } })).rejects.toMatchObject({ status: 404 });
  });

  describe('deploying projects', () => {
    const project = { folderName: 'Sales', projectName: 'Nightly' };

    it('deploys versions, keeps the earlier ones and lists folders, projects and packages', async () => {
      const first = await master.admin(deployProject, { params: project, body: await zipFiles(sampleProjectFiles()) });
      expect(first).toMatchObject({ ...project, versionNumber: 1, packages: [{ name: 'extract' }, { name: 'load' }] });
      const files = sampleProjectFiles();
      files['extract.mjs'] = 'export default async function extract() {}\n';
      const second = await master.admin(deployProject, { params: project, body: await zipFiles(files) });
      expect(second.versionNumber).toBe(2);
      expect(second.archiveSha256).not.toBe(first.archiveSha256);
      expect((await master.admin(getProject, { params: project, query: { version: 1 } })).archiveSha256).toBe(first.archiveSha256);
      expect((await master.admin(getProject, { params: project })).versionNumber).toBe(2);
      expect((await master.admin(listFolders, {})).folders.map((f) => f.name)).toContain('Sales');
      expect((await master.admin(listProjects, { query: { folder: 'Sales' } })).projects.map((p) => [p.projectName, p.versionNumber])).toEqual([
        ['Nightly', 2],
      ]);
      const { packages } = await master.admin(listPackages, { params: project });
      const extract = packages.find((p) => p.name === 'extract')!;
      expect(extract.parameters.find((p) => p.name === 'ApiToken')).toMatchObject({ sensitive: true, defaultValue: null });
      expect(extract.parameters.find((p) => p.name === 'BatchSize')).toMatchObject({ dataType: 'Int32', defaultValue: 100 });
    });

    it('refuses unsafe or invalid archives with 400 naming the reason, keeping the versions it has', async () => {
      const manifest = JSON.parse(sampleProjectFiles()['scaleout.json']!) as { packages: { entry: string }[] };
      const withManifest = (change: (m: typeof manifest) => unknown) => ({
        ...sampleProjectFiles(),
        'scaleout.json': JSON.stringify(change(structuredClone(manifest))),
      });
      const { 'extract.mjs': _extract, ...withoutEntry } = sampleProjectFiles();
      const { 'scaleout.json': _manifest, ...withoutManifest } = sampleProjectFiles();
      const cases: [string, Promise<Buffer>, string, string][] = [
        ['a ../ entry', zipWithRawName({ ...sampleProjectFiles(), 'xx/evil.txt': 'x' }, 'xx/evil.txt', '../evil.txt'), 'archive', "climbs out of the project folder with '..'"],
        ['an absolute path', zipWithRawName({ ...sampleProjectFiles(), 'Xetc/passwd': 'x' }, 'Xetc/passwd', '/etc/passwd'), 'archive', 'is an absolute path'],
        ['a symbolic link', zipFiles(sampleProjectFiles(), { symlinks: { 'link-to-root': '/' } }), 'archive', 'is a symbolic link'],
        ['no scaleout.json', zipFiles(withoutManifest), 'archive', 'no scaleout.json at the root'],
        ['an entry file that is missing', zipFiles(withoutEntry), 'scaleout.json.packages[0].entry', "'extract.mjs' is not in the archive"],
        ['a manifest that is not JSON', zipFiles({ ...sampleProjectFiles(), 'scaleout.json': '{ "packages": [' }), 'scaleout.json', 'not valid JSON'],
        ['a manifest without packages', zipFiles(withManifest((m) => ({ ...m, packages: [] }))), 'scaleout.json.packages', 'must have at least 1 item'],
        ['an unknown runner', zipFiles(withManifest((m) => ({ packages: [{ ...m.packages[0], runner: 'bash' }] }))), 'scaleout.json.packages.0.runner', 'must be one of'],
      ];
      for (const [what, archive, field, reason] of cases) {
        const refused = master.admin(deployProject, { params: project, body: await archive });
        await expect(refused, what).rejects.toMatchObject({ status: 400, problem: { errors: [{ field }] } });
        await expect(refused, what).rejects.toThrow(reason);
      }
      expect((await master.admin(getProject, { params: project })).versionNumber).toBe(2);
    });
  });
});
