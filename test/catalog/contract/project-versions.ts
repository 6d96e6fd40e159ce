import { expect } from 'vitest';
import { ExecutionStatus } from '../../../functions/catalog/domain.js';
import { NotFoundError } from '../../../functions/catalog/errors.js';
import type { CatalogHarness } from '../../support/catalog-harness.js';
import { admin, deployEtl, readyWorker, storedArchive, type Scenario } from './fixtures.js';

const versionNumbers = async (h: CatalogHarness) => (await h.catalog.listProjectVersions('Finance', 'ETL')).map((v) => v.versionNumber);

async function setMaxProjectVersions(h: CatalogHarness, value: string): Promise<void> {
  await h.engine.db.updateTable('master_properties').set({ property_value: value }).where('property_name', '=', 'MAX_PROJECT_VERSIONS').execute();
}

const extract = { folderName: 'Finance', projectName: 'ETL', packageName: 'extract', parameters: { SourcePath: '/in.csv' } };

export const projectVersionScenarios: Record<string, Scenario> = {
  'object_versions: every version kept, newest first, who deployed it (by key name) and which is current': async (h) => {
    await h.catalog.insertApiKey({ apiKeyId: 'dep10001', name: 'release pipeline', role: 'executor', keyHash: 'h' }, admin);
    await deployEtl(h.catalog, Buffer.from('one'));
    h.clock.advance(60_000);
    await h.catalog.deployProject(
      { folderName: 'Finance', projectName: 'ETL', ...storedArchive('Finance/ETL', Buffer.from('two')), manifest: {}, packages: [{ name: 'extract', runner: 'node', entry: 'x.mjs' }] },
      'apikey:dep10001',
    );
    const versions = await h.catalog.listProjectVersions('finance', 'etl');
    expect(versions.map((v) => [v.versionNumber, v.deployedBy, v.deployedByName, v.isCurrent, v.deployedTime])).toEqual([
      [2, 'apikey:dep10001', 'release pipeline', true, h.clock.now()],
      [1, admin, null, false, h.clock.now() - 60_000],
    ]);
    expect(versions[0]).toMatchObject({ restoredBy: null, lastRestoredTime: null });
    await expect(h.catalog.listProjectVersions('Finance', 'Other')).rejects.toThrow(NotFoundError);
  },

  'restore_project makes an earlier version current; executions created before keep theirs; the next deploy is current': async (h) => {
    const v1 = await deployEtl(h.catalog, Buffer.from('one'));
    const v2 = await deployEtl(h.catalog, Buffer.from('two'));
    const before = await h.catalog.createExecution(extract, admin);
    expect(before.projectVersionId).toBe(v2.projectVersionId);

    h.clock.advance(5000);
    const restored = await h.catalog.restoreProject('Finance', 'ETL', 1, 'entra:dba@contoso.com');
    expect(restored).toMatchObject({ versionNumber: 1, isCurrent: true, restoredBy: 'entra:dba@contoso.com', lastRestoredTime: h.clock.now() });
    expect((await h.catalog.getProjectVersion('Finance', 'ETL')).versionNumber).toBe(1);
    expect((await h.catalog.listProjects()).map((p) => p.versionNumber)).toEqual([1]);
    expect((await h.catalog.createExecution(extract, admin)).projectVersionId).toBe(v1.projectVersionId);
    expect((await h.catalog.getExecution(before.executionId)).projectVersionId).toBe(v2.projectVersionId);
    // A named version still runs that one.
    expect((await h.catalog.createExecution({ ...extract, versionNumber: 2 }, admin)).projectVersionId).toBe(v2.projectVersionId);
    const [entry] = (await h.catalog.listAuditTrail({ limit: 1, offset: 0 })).items;
    expect(entry).toMatchObject({ actor: 'entra:dba@contoso.com', action: 'restore-project', targetId: 'Finance/ETL', details: { versionNumber: 1, previousVersionNumber: 2 } });

    const v3 = await deployEtl(h.catalog, Buffer.from('three'));
    expect(v3).toMatchObject({ versionNumber: 3, isCurrent: true });
    expect((await h.catalog.getProjectVersion('Finance', 'ETL')).versionNumber).toBe(3);
  },

  'restoring a version that does not exist changes nothing': async (h) => {
    await deployEtl(h.catalog);
    await expect(h.catalog.restoreProject('Finance', 'ETL', 7, admin)).rejects.toThrow("project 'Finance/ETL version 7' was not found");
    await expect(h.catalog.restoreProject('Finance', 'Nope', 1, admin)).rejects.toThrow(NotFoundError);
    expect((await h.catalog.getProjectVersion('Finance', 'ETL')).versionNumber).toBe(1);
    expect((await h.catalog.listAuditTrail({ limit: 10, offset: 0 })).items.map((e) => e.action)).not.toContain('restore-project');
  },

  'the cleanup keeps MAX_PROJECT_VERSIONS: the current one and the newest others; removed versions are gone for good': async (h) => {
    for (const content of ['one', 'two', 'three']) await deployEtl(h.catalog, Buffer.from(content));
    expect(await h.catalog.removeOldProjectVersions(admin)).toEqual([]);

    await setMaxProjectVersions(h, '2');
    const removed = await h.catalog.removeOldProjectVersions('master:cleanup', { folderName: 'Finance', projectName: 'ETL' });
    expect(removed).toEqual([{ folderName: 'Finance', projectName: 'ETL', versionNumber: 1, archiveName: storedArchive('Finance/ETL', Buffer.from('one')).archiveName }]);
    expect(await versionNumbers(h)).toEqual([3, 2]);
    await expect(h.catalog.getProjectVersion('Finance', 'ETL', 1)).rejects.toThrow(NotFoundError);
    await expect(h.catalog.restoreProject('Finance', 'ETL', 1, admin)).rejects.toThrow(NotFoundError);
    await expect(h.catalog.createExecution({ ...extract, versionNumber: 1 }, admin)).rejects.toThrow(NotFoundError);
    expect((await h.catalog.listAuditTrail({ limit: 1, offset: 0 })).items[0]).toMatchObject({
      actor: 'master:cleanup',
      action: 'remove-project-version',
      details: { versionNumber: 1, maxProjectVersions: 2 },
    });
    // A version number is never given twice, even once its version is gone.
    expect((await deployEtl(h.catalog, Buffer.from('four'))).versionNumber).toBe(4);
    expect((await h.catalog.removeOldProjectVersions(admin)).map((v) => v.versionNumber)).toEqual([2]);

    // A restored version is kept as current; the newest others fill what is left.
    await h.catalog.restoreProject('Finance', 'ETL', 3, admin);
    await deployEtl(h.catalog, Buffer.from('five'));
    await h.catalog.restoreProject('Finance', 'ETL', 3, admin);
    await setMaxProjectVersions(h, '1');
    expect((await h.catalog.removeOldProjectVersions(admin)).map((v) => v.versionNumber).sort()).toEqual([4, 5]);
    expect(await versionNumbers(h)).toEqual([3]);
  },

  'a version an unfinished execution runs is kept until it has ended; finished executions keep their history': async (h) => {
    await h.catalog.enableScaleOut(admin);
    const worker = await readyWorker(h.catalog, 'node-v');
    const v1 = await deployEtl(h.catalog, Buffer.from('one'));
    const running = await h.catalog.createExecution({ ...extract, start: {} }, admin);
    const [task] = await h.catalog.claimTasks(worker.workerAgentId, 1);
    await deployEtl(h.catalog, Buffer.from('two'));
    await deployEtl(h.catalog, Buffer.from('three'));
    await setMaxProjectVersions(h, '1');

    expect((await h.catalog.removeOldProjectVersions(admin)).map((v) => v.versionNumber)).toEqual([2]);
    expect(await versionNumbers(h)).toEqual([3, 1]);
    expect(await h.catalog.getProjectArchive(v1.projectVersionId)).toMatchObject({ archiveSha256: v1.archiveSha256 });

    await h.catalog.completeTask(worker.workerAgentId, { taskId: task!.taskId, attemptNumber: task!.attemptNumber, outcome: 'succeeded', exitCode: 0 });
    expect((await h.catalog.removeOldProjectVersions(admin)).map((v) => v.versionNumber)).toEqual([1]);
    expect(await versionNumbers(h)).toEqual([3]);
    expect(await h.catalog.getExecution(running.executionId)).toMatchObject({ status: ExecutionStatus.succeeded, projectVersionId: v1.projectVersionId, packageName: 'extract' });
  },
};
