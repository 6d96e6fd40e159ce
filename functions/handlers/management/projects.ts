import {
  deployProject,
  getProject,
  listFolders,
  listPackages,
  listProjects,
  listProjectVersions,
  maxProjectArchiveBytes,
  restoreProject,
} from '../../../contracts/management/endpoints.js';
import { folderRef, projectRef } from '../../auth/caller-permissions.js';
import { defineHandler } from '../../http/define-handler.js';
import { ValidationError } from '../../catalog/errors.js';
import { newArchiveName } from '../../projects/archive-store.js';
import { removeOldProjectVersions } from '../../projects/remove-old-versions.js';
import { readProjectArchive, type ProjectArchive } from '../../projects/read-project-archive.js';
import { StoredArchiveReader } from '../../projects/stored-archive-reader.js';
import { iso, toPackageView, toProjectVersionView } from '../views.js';

export const deployProjectFunction = defineHandler(
  deployProject,
  async ({ params, body, caller, permissions, idempotency, invocation }, { catalog, archiveStore }) => {
    await permissions.requireToCreateOrModify(projectRef(params.folderName, params.projectName));
    const archiveName = newArchiveName(params.folderName, params.projectName);
    const stored = await archiveStore.upload(archiveName, body);
    let archive: ProjectArchive;
    try {
      if (stored.size === 0) throw new ValidationError('body', 'empty; send the archive');
      archive = await readProjectArchive({ reader: new StoredArchiveReader(archiveStore, archiveName, stored.size), size: stored.size });
    } catch (error) {
      await archiveStore.delete(archiveName);
      throw error;
    }
    // From here the blob stays, even if the catalog write fails: a commit whose outcome is unknown may have
    // recorded it, and an unused blob costs little where a version without its archive could not run.
    const version = await catalog.deployProject(
      {
        folderName: params.folderName,
        projectName: params.projectName,
        archiveName,
        archiveSha256: stored.sha256,
        archiveSize: stored.size,
        manifest: archive.manifest,
        packages: archive.packages,
        creator: permissions.creator,
      },
      caller.actor,
      idempotency?.guard(toProjectVersionView, { bodySha256: stored.sha256 }),
    );
    invocation.log.info(`project deployed: ${params.folderName}/${params.projectName} version ${version.versionNumber}`, { by: caller.actor });
    // The deploy is done: a failed cleanup is the next cleanup's to finish.
    await removeOldProjectVersions({ catalog, archiveStore }, invocation.log, caller.actor, params).catch((error: unknown) =>
      invocation.log.warn('old project versions not removed', { error: error instanceof Error ? error.message : String(error) }),
    );
    return toProjectVersionView(version);
  },
  {
    maxBodyBytes: maxProjectArchiveBytes,
    replay: async (result, { catalog }) =>
      toProjectVersionView(
        await catalog.getProjectVersion(String(result['folderName']), String(result['projectName']), Number(result['versionNumber'])),
      ),
  },
);

export const listFoldersFunction = defineHandler(listFolders, async ({ permissions }, { catalog }) => ({
  folders: (await permissions.readable(await catalog.listFolders(), (f) => folderRef(f.name))).map((f) => ({
    name: f.name,
    description: f.description,
    createdTime: iso(f.createdTime),
  })),
}));

export const listProjectsFunction = defineHandler(listProjects, async ({ query, permissions }, { catalog }) => ({
  projects: (await permissions.readable(await catalog.listProjects(query.folder), (p) => projectRef(p.folderName, p.projectName))).map(
    toProjectVersionView,
  ),
}));

export const getProjectFunction = defineHandler(getProject, async ({ params, query, permissions }, { catalog }) => {
  await permissions.require('READ', projectRef(params.folderName, params.projectName));
  return toProjectVersionView(await catalog.getProjectVersion(params.folderName, params.projectName, query.version));
});

export const listPackagesFunction = defineHandler(listPackages, async ({ params, permissions }, { catalog }) => {
  await permissions.require('READ', projectRef(params.folderName, params.projectName));
  return { packages: (await catalog.getProjectVersion(params.folderName, params.projectName)).packages.map(toPackageView) };
});

export const listProjectVersionsFunction = defineHandler(listProjectVersions, async ({ params, permissions }, { catalog }) => {
  await permissions.require('READ', projectRef(params.folderName, params.projectName));
  return { versions: (await catalog.listProjectVersions(params.folderName, params.projectName)).map(toProjectVersionView) };
});

export const restoreProjectFunction = defineHandler(restoreProject, async ({ params, body, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', projectRef(params.folderName, params.projectName));
  return toProjectVersionView(await catalog.restoreProject(params.folderName, params.projectName, body.versionNumber, caller.actor));
});
