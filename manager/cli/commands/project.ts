import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { CatalogName } from '../../../contracts/common.js';
import { deployProject, listPackages, listProjects } from '../../../contracts/management/endpoints.js';
import type { PackageView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { formatAgo, formatBytes, formatDuration, formatList } from '../output/format.js';
import { examples, ssisdb } from './help-text.js';
import { packProject } from './pack-project.js';
import { registerProjectConfigurationCommands } from './project-configuration.js';
import { registerProjectVersionCommands } from './project-versions.js';
import { parseProjectRef } from './refs.js';

/** Back to the start of the line and clear it: the progress line is rewritten in place on a terminal. */
const rewriteLine = '\r\u001b[K';

const projectFlags = { 'params.folderName': '--folder', 'params.projectName': '--name', 'query.folder': '--folder' };

export function registerProjectCommands(program: Command, ctx: CommandContext): void {
  const project = program
    .command('project')
    .summary('deploy and list projects, list and restore their versions, configure their parameters and environment references')
    .description(
      'Projects: a folder of files with scaleout.json at its root declaring its packages, deployed to a catalog folder ' +
        'as a new version (SSISDB: deploy_project).',
    );

  project
    .command('deploy')
    .summary('zip a project folder and deploy it as the next version')
    .description(
      'Zip a project folder (everything under it except .git folders) and deploy it to a catalog folder as the ' +
        "project's next version. The folder is created when missing. Symbolic links are refused: a project archive " +
        'holds only files and folders. The project name is --name, else the manifest\'s "name", else the folder\'s name.' +
        ssisdb('deploy_project'),
    )
    .argument('<dir>', 'the project folder (holds scaleout.json)')
    .requiredOption('--folder <folder>', 'the catalog folder to deploy to')
    .option('--name <project>', 'the project name')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout project deploy ./etl --folder Finance', 'scaleout project deploy . --folder Finance --name ETL --json']))
    .action(async (dirText: string, options: { folder: string; name?: string; json?: boolean }) => {
      const out = ctx.output(options);
      const dir = resolve(ctx.io.cwd, dirText);
      const progress = ctx.io.stderr.isTTY;
      checkName(options.folder, '--folder');

      const packed = await packProject(dir, (done, count) => {
        if (progress) ctx.io.stderr.write(`${rewriteLine}Packing ${done}/${count} files…`);
      });
      const projectName = options.name ?? packed.manifest.name ?? basename(dir);
      checkName(projectName, options.name !== undefined ? '--name' : packed.manifest.name !== undefined ? 'the manifest\'s "name"' : `the folder name '${basename(dir)}'`, '--name');
      const packedLine = `Packed ${packed.files.length} file(s), ${formatBytes(packed.uncompressedBytes)}, into a ${formatBytes(packed.zip.length)} archive.`;
      out.note(progress ? `${rewriteLine}${packedLine}` : packedLine);

      const api = ctx.api();
      if (!progress) out.note(`Uploading to ${api.url} as ${options.folder}/${projectName}…`);
      const version = await api.call(
        deployProject,
        { params: { folderName: options.folder, projectName }, body: packed.zip },
        {
          flags: projectFlags,
          ...(progress
            ? {
                onUploadProgress: (sent: number, total: number) =>
                  ctx.io.stderr.write(`${rewriteLine}Uploading ${formatBytes(total)}: ${Math.floor((sent / total) * 100)}%`),
              }
            : {}),
        },
      );
      if (progress) ctx.io.stderr.write('\n');
      if (out.json) return out.data(version);
      out.line(
        `Deployed ${version.folderName}/${version.projectName} version ${version.versionNumber} (${formatBytes(version.archiveSize)}, SHA-256 ${version.archiveSha256.slice(0, 12)}…): ` +
          `${version.packages.length} package(s): ${formatList(version.packages.map((p) => p.name), 20)}.`,
      );
    });

  project
    .command('list')
    .summary('list projects (their current versions) and their packages')
    .description('List the current version of every project, or of one folder\'s projects.' + ssisdb('catalog.projects'))
    .option('--folder <folder>', 'only this folder')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout project list', 'scaleout project list --folder Finance']))
    .action(async (options: { folder?: string; json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listProjects, { query: options.folder === undefined ? {} : { folder: options.folder } }, { flags: projectFlags });
      if (out.json) return out.data(answer);
      if (answer.projects.length === 0) {
        out.line(`No projects${options.folder ? ` in folder ${options.folder}` : ''}. Deploy one: scaleout project deploy <dir> --folder <folder>`);
        return;
      }
      const now = ctx.io.clock.now();
      out.table(answer.projects, [
        { header: 'FOLDER', value: (p) => p.folderName },
        { header: 'PROJECT', value: (p) => p.projectName },
        { header: 'VERSION', value: (p) => String(p.versionNumber), right: true },
        { header: 'PACKAGES', value: (p) => formatList(p.packages.map((pkg) => pkg.name), 4) },
        { header: 'SIZE', value: (p) => formatBytes(p.archiveSize), right: true },
        { header: 'DEPLOYED', value: (p) => `${formatAgo(p.deployedTime, now)} by ${p.deployedBy}` },
      ]);
    });

  registerProjectVersionCommands(project, ctx);

  const pkg = program
    .command('package')
    .summary("list a project's packages and their parameters")
    .description('Packages: the runnable entries of a project, with their declared parameters.');

  pkg
    .command('list')
    .summary("list the packages of a project's current version, with their parameters")
    .description("List the packages of a project's current version, with their declared parameters." + ssisdb('catalog.packages, catalog.object_parameters'))
    .argument('<folder/project>', 'the project, e.g. Finance/ETL')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout package list Finance/ETL']))
    .action(async (ref: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listPackages, { params: parseProjectRef(ref) });
      if (out.json) return out.data(answer);
      if (answer.packages.length === 0) {
        out.line(`${ref} has no packages.`);
        return;
      }
      out.table(answer.packages, [
        { header: 'PACKAGE', value: (p) => p.name },
        { header: 'RUNNER', value: (p) => p.runner },
        { header: 'ENTRY', value: (p) => [p.entry, ...p.arguments].join(' ') },
        { header: 'TIMEOUT', value: (p) => (p.timeoutMs === null ? '-' : formatDuration(p.timeoutMs)) },
        { header: 'DESCRIPTION', value: (p) => p.description || '-' },
      ]);
      const parameters = answer.packages.flatMap((p: PackageView) => p.parameters.map((parameter) => ({ pkg: p.name, ...parameter })));
      if (parameters.length === 0) return;
      out.line();
      out.table(parameters, [
        { header: 'PACKAGE', value: (p) => p.pkg },
        { header: 'PARAMETER', value: (p) => p.name },
        { header: 'TYPE', value: (p) => p.dataType },
        { header: 'REQUIRED', value: (p) => (p.required ? 'yes' : 'no') },
        { header: 'SENSITIVE', value: (p) => (p.sensitive ? 'yes' : 'no') },
        { header: 'DEFAULT', value: (p) => (p.defaultValue === null ? '-' : String(p.defaultValue)) },
        { header: 'DESCRIPTION', value: (p) => p.description ?? '-' },
      ]);
    });

  registerProjectConfigurationCommands(project, ctx);
}

/** Catalog names are checked before packing, saying where the bad name came from. */
function checkName(name: string, source: string, option = source): void {
  const parsed = CatalogName.safeParse(name);
  if (!parsed.success) {
    const hint = source === option ? '' : ` (give ${option})`;
    throw usageError(`${source}: '${name}' is not a valid catalog name: ${parsed.error.issues[0]?.message}${hint}`);
  }
}
