import {
  deployProject,
  getProject,
  listFolders,
  listPackages,
  listProjects,
  maxProjectArchiveBytes,
} from '../../../contracts/management/endpoints.js';
import { defineHandler } from '../../http/define-handler.js';
import { readProjectArchive } from '../../projects/read-project-archive.js';
import { iso, toPackageView, toProjectVersionView } from '../views.js';

export const deployProjectFunction = defineHandler(
  deployProject,
  async ({ params, body, caller }, { catalog }) => {
    const archive = await readProjectArchive(body);
    const version = await catalog.deployProject(
      {
        folderName: params.folderName,
        projectName: params.projectName,
        archive: body,
        archiveSha256: archive.sha256,
        manifest: archive.manifest,
        packages: archive.packages,
      },
      caller.actor,
    );
    return toProjectVersionView(version);
  },
  { maxBodyBytes: maxProjectArchiveBytes },
);

export const listFoldersFunction = defineHandler(listFolders, async (_input, { catalog }) => ({
  folders: (await catalog.listFolders()).map((f) => ({ name: f.name, description: f.description, createdTime: iso(f.createdTime) })),
}));

export const listProjectsFunction = defineHandler(listProjects, async ({ query }, { catalog }) => ({
  projects: (await catalog.listProjects(query.folder)).map(toProjectVersionView),
}));

export const getProjectFunction = defineHandler(getProject, async ({ params, query }, { catalog }) =>
  toProjectVersionView(await catalog.getProjectVersion(params.folderName, params.projectName, query.version)),
);

export const listPackagesFunction = defineHandler(listPackages, async ({ params }, { catalog }) => ({
  packages: (await catalog.getProjectVersion(params.folderName, params.projectName)).packages.map(toPackageView),
}));
