import type { Command } from 'commander';
import { listProjectVersions, restoreProject } from '../../../contracts/management/endpoints.js';
import type { ProjectVersionView } from '../../../contracts/management/views.js';
import type { CommandContext } from '../context.js';
import { formatAgo, formatBytes, formatList } from '../output/format.js';
import { examples, ssisdb } from './help-text.js';
import { positiveWholeNumber } from './options.js';
import { parseProjectRef } from './refs.js';

/** `scaleout project versions|restore`: SSISDB catalog.object_versions and restore_project. */
export function registerProjectVersionCommands(project: Command, ctx: CommandContext): void {
  project
    .command('versions')
    .summary("list a project's versions: who deployed each, when, and which is current")
    .description(
      "List the versions of a project the catalog keeps, newest first (the catalog property MAX_PROJECT_VERSIONS, 10 by " +
        'default, says how many): who deployed each and when, and which is current, i.e. what an execution runs when it ' +
        'names no version.' +
        ssisdb('catalog.object_versions'),
    )
    .argument('<folder/project>', 'the project, e.g. Finance/ETL')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout project versions Finance/ETL']))
    .action(async (ref: string, options: { json?: boolean }) => {
      const out = ctx.output(options);
      const answer = await ctx.api().call(listProjectVersions, { params: parseProjectRef(ref) });
      if (out.json) return out.data(answer);
      const now = ctx.io.clock.now();
      out.table(answer.versions, [
        { header: 'VERSION', value: (v) => String(v.versionNumber), right: true },
        { header: 'CURRENT', value: (v) => (v.isCurrent ? 'yes' : '') },
        { header: 'DEPLOYED', value: (v) => `${formatAgo(v.deployedTime, now)} by ${deployer(v)}` },
        { header: 'RESTORED', value: (v) => (v.lastRestoredTime === null ? '-' : `${formatAgo(v.lastRestoredTime, now)} by ${v.restoredBy}`) },
        { header: 'PACKAGES', value: (v) => formatList(v.packages.map((p) => p.name), 4) },
        { header: 'SIZE', value: (v) => formatBytes(v.archiveSize), right: true },
        { header: 'SHA-256', value: (v) => v.archiveSha256.slice(0, 12) },
      ]);
    });

  project
    .command('restore')
    .summary('make an earlier version of a project current again')
    .description(
      'Make an earlier version of a project current again: executions created from now on (and schedules when they ' +
        'fire) run it; executions already created keep the version they were created with. The next deploy becomes ' +
        'current as usual.' +
        ssisdb('restore_project'),
    )
    .argument('<folder/project>', 'the project, e.g. Finance/ETL')
    .requiredOption('--version <n>', 'the version to restore (see scaleout project versions)', positiveWholeNumber)
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples(['scaleout project restore Finance/ETL --version 3']))
    .action(async (ref: string, options: { version: number; json?: boolean }) => {
      const out = ctx.output(options);
      const restored = await ctx
        .api()
        .call(restoreProject, { params: parseProjectRef(ref), body: { versionNumber: options.version } }, { flags: { 'body.versionNumber': '--version' } });
      if (out.json) return out.data(restored);
      out.line(
        `${restored.folderName}/${restored.projectName} runs version ${restored.versionNumber} again ` +
          `(deployed by ${deployer(restored)}, ${restored.packages.length} package(s): ${formatList(restored.packages.map((p) => p.name), 20)}).`,
      );
    });
}

function deployer(version: ProjectVersionView): string {
  return version.deployedByName === null ? version.deployedBy : `${version.deployedByName} (${version.deployedBy})`;
}
