import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCatalog, enableScaleOut, getProject, listProjectVersions } from '../../../contracts/management/endpoints.js';
import { ArchiveMissingError } from '../../../functions/projects/archive-store.js';
import { runInProcess } from '../../manager/cli/harness.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { AgentProcess } from './support/agents.js';
import { startExecution, waitForEnd, waitForEvents } from './support/executions.js';
import { ProcessMarker, tearDownAndCheck, watchWarnings } from './support/processes.js';
import { e2eTestTimeoutMs } from './support/wait.js';

/**
 * SSISDB's project versions end to end: versions deployed and restored with the CLI, run by a real agent process
 * against the real master (local host over HTTPS, SQLite, Azurite), and the cleanup that keeps MAX_PROJECT_VERSIONS.
 */

let root: string;
let master: TestMaster;
let agent: AgentProcess;
let env: Record<string, string>;
const marker = new ProcessMarker();
const masterWarnings = watchWarnings();
/** The execution that ran version 1 after its restore. */
let onVersionOne: number;
const cli = (args: string[]) => runInProcess(args, { env });

/** The project folder as a user has it on disk, its one package saying which version of its code runs. */
function projectVersion(words: string): string {
  const dir = join(root, `versions-${words.replace(/ /g, '-')}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scaleout.json'), JSON.stringify({ name: 'Versions', packages: [{ name: 'which', runner: 'node', entry: 'which.mjs' }] }));
  writeFileSync(join(dir, 'which.mjs'), `export default async function which(parameters, context) { context.log('this is ${words}'); }\n`);
  return dir;
}

function cliEnv(testMaster: TestMaster): Record<string, string> {
  return { SCALEOUT_MASTER: testMaster.url, SCALEOUT_API_KEY: testMaster.adminKey, SCALEOUT_MASTER_THUMBPRINT: testMaster.host.certificateThumbprint };
}

async function runWhich(): Promise<{ executionId: number; projectVersionId: number; lines: string[] }> {
  const created = await startExecution(master.admin, 'which', {}, { folderName: 'Finance', projectName: 'Versions' });
  const ended = await waitForEnd(master.admin, created.executionId);
  expect(ended).toMatchObject({ status: 7, workerAgentId: agent.workerAgentId });
  const events = await waitForEvents(master.admin, created.executionId, 'its line', (e) => e.some((m) => m.message.startsWith('this is')));
  return {
    executionId: created.executionId,
    projectVersionId: ended.projectVersionId,
    lines: events.filter((e) => e.messageSourceName === 'package').map((e) => e.message),
  };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'scaleout-worker-e2e-versions-'));
  master = await startTestMaster();
  // The CLI's config file in this test's folder, which the teardown removes.
  env = { ...cliEnv(master), SCALEOUT_CONFIG: join(root, 'cli-config.json') };
  await master.admin(enableScaleOut, {});
  agent = await AgentProcess.init(root, 'versions-1', { url: master.url, thumbprint: master.host.certificateThumbprint }, marker);
  await agent.register(master.admin);
  agent.start();
});

afterAll(async () => {
  await tearDownAndCheck({ agents: agent ? [agent] : [], services: [master], marker, root, inProcess: masterWarnings });
}, 180_000);

describe('project versions on a real worker', { timeout: e2eTestTimeoutMs }, () => {
  it('deploy v1, v2, restore v1: the package runs v1 code; executions of v2 keep theirs', async () => {
    expect((await cli(['project', 'deploy', projectVersion('version one'), '--folder', 'Finance'])).code).toBe(0);
    expect((await cli(['project', 'deploy', projectVersion('version two'), '--folder', 'Finance'])).code).toBe(0);
    const onTwo = await runWhich();
    expect(onTwo.lines).toEqual(['this is version two']);

    const listed = await cli(['project', 'versions', 'Finance/Versions']);
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^VERSION +CURRENT +DEPLOYED +RESTORED +PACKAGES +SIZE +SHA-256$/);
    expect(rows.slice(1)).toEqual([
      expect.stringMatching(/^ +2 +yes +(?:just now|\d+ s ago) by test admin \(apikey:[0-9a-z]+\) +- +which +\d+ B +[0-9a-f]{12}$/),
      expect.stringMatching(/^ +1 +(?:just now|\d+ s ago) by test admin \(apikey:[0-9a-z]+\) +- +which +\d+ B +[0-9a-f]{12}$/),
    ]);

    const restored = await cli(['project', 'restore', 'Finance/Versions', '--version', '1']);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^Finance\/Versions runs version 1 again \(deployed by .*, 1 package\(s\): which\)\.$/m);

    const onOne = await runWhich();
    onVersionOne = onOne.executionId;
    expect(onOne.lines).toEqual(['this is version one']);
    const v1 = await master.admin(getProject, { params: { folderName: 'Finance', projectName: 'Versions' }, query: { version: 1 } });
    expect(onOne.projectVersionId).toBe(v1.projectVersionId);
    expect(v1).toMatchObject({ isCurrent: true, restoredBy: expect.stringMatching(/^apikey:/) });
    // The execution that ran version 2 still says so.
    expect(onTwo.projectVersionId).not.toBe(v1.projectVersionId);

    const bad = await cli(['project', 'restore', 'Finance/Versions', '--version', '9']);
    expect([bad.code, bad.stderr.trim()]).toEqual([4, "error: project 'Finance/Versions version 9' was not found"]);
  });

  it('with MAX_PROJECT_VERSIONS 2, a third deploy removes the oldest version and its archive', async () => {
    await master.admin(configureCatalog, { params: { propertyName: 'MAX_PROJECT_VERSIONS' }, body: { value: '2' } });
    const params = { folderName: 'Finance', projectName: 'Versions' };
    const versionOne = await master.host.services.catalog.getProjectVersion('Finance', 'Versions', 1);
    const { archiveName } = await master.host.services.catalog.getProjectArchive(versionOne.projectVersionId);

    // Version 3 becomes current; version 2 is the newest other: version 1, the oldest, goes with its archive.
    expect((await cli(['project', 'deploy', projectVersion('version three'), '--folder', 'Finance'])).code).toBe(0);
    expect((await master.admin(listProjectVersions, { params })).versions.map((v) => [v.versionNumber, v.isCurrent])).toEqual([
      [3, true],
      [2, false],
    ]);
    await expect(master.host.services.archiveStore.download(archiveName)).rejects.toThrow(ArchiveMissingError);
    const gone = await cli(['project', 'restore', 'Finance/Versions', '--version', '1']);
    expect([gone.code, gone.stderr.trim()]).toEqual([4, "error: project 'Finance/Versions version 1' was not found"]);
    expect((await runWhich()).lines).toEqual(['this is version three']);
    // The execution that ran version 1 keeps its history.
    expect((await master.host.services.catalog.getExecution(onVersionOne)).projectVersionId).toBe(versionOne.projectVersionId);
  });
});
