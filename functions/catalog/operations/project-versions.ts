import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import { finalExecutionStatuses, type RemovedProjectVersion } from '../domain.js';
import { NotFoundError } from '../errors.js';
import { audit } from './audit.js';
import { MasterProperty, readCatalogProperty } from './master-properties.js';
import { emptyArchive, selectVersions, withPackages } from './projects.js';

/** Versions removed per statement: SQL Server takes at most 2,100 parameters. */
const removeBatch = 500;

/**
 * SSISDB catalog.object_versions, restore_project and the version cleanup (MAX_PROJECT_VERSIONS): a project runs
 * its current version; an earlier one kept may become current again; only the newest few are kept.
 */
export function projectVersionOperations(
  ctx: CatalogContext,
): Pick<Catalog, 'listProjectVersions' | 'restoreProject' | 'removeOldProjectVersions'> {
  return {
    listProjectVersions: (folderName, projectName) =>
      ctx.engine.read(async (db) => {
        const rows = await selectVersions(db)
          .where('f.name', '=', folderName)
          .where('p.name', '=', projectName)
          .orderBy('v.version_number', 'desc')
          .execute();
        if (rows.length === 0) throw new NotFoundError('project', `${folderName}/${projectName}`);
        return withPackages(db, rows);
      }),

    restoreProject: (folderName, projectName, versionNumber, actor) =>
      ctx.engine.transaction(async (trx) => {
        const row = await selectVersions(trx)
          .where('f.name', '=', folderName)
          .where('p.name', '=', projectName)
          .where('v.version_number', '=', versionNumber)
          .executeTakeFirst();
        if (!row) throw new NotFoundError('project', `${folderName}/${projectName} version ${versionNumber}`);
        const now = ctx.clock.now();
        await trx.updateTable('projects').set({ current_version_number: versionNumber }).where('project_id', '=', row.project_id).execute();
        await trx
          .updateTable('project_versions')
          .set({ restored_by: actor, last_restored_time: now })
          .where('project_version_id', '=', row.project_version_id)
          .execute();
        await audit(ctx, trx, {
          actor,
          action: 'restore-project',
          targetType: 'project',
          targetId: `${row.folder_name}/${row.project_name}`,
          details: { versionNumber, previousVersionNumber: row.current_version_number },
        });
        const [restored] = await withPackages(trx, await selectVersions(trx).where('v.project_version_id', '=', row.project_version_id).execute());
        return restored!;
      }),

    async removeOldProjectVersions(actor, project) {
      const max = await readMaxProjectVersions(ctx);
      return ctx.engine.transaction(async (trx) => {
        let query = selectVersions(trx).select('v.archive_name');
        if (project) query = query.where('f.name', '=', project.folderName).where('p.name', '=', project.projectName);
        const versions = await query.orderBy('p.project_id').orderBy('v.version_number', 'desc').execute();
        // A version an unfinished execution runs stays until it has ended: its worker may still download it.
        const inUse = new Set(
          (
            await trx
              .selectFrom('executions')
              .select('project_version_id')
              .distinct()
              .where('status', 'not in', [...finalExecutionStatuses])
              .execute()
          ).map((row) => row.project_version_id),
        );
        // Per project: the current version, then the newest others, up to MAX_PROJECT_VERSIONS in all.
        const kept = new Map<number, number>();
        for (const version of versions) if (version.version_number === version.current_version_number) kept.set(version.project_id, 1);
        const removed = versions.filter((version) => {
          if (version.version_number === version.current_version_number) return false;
          const count = kept.get(version.project_id) ?? 0;
          if (count < max) {
            kept.set(version.project_id, count + 1);
            return false;
          }
          return !inUse.has(version.project_version_id);
        });
        const now = ctx.clock.now();
        for (let start = 0; start < removed.length; start += removeBatch) {
          await trx
            .updateTable('project_versions')
            .set({ removed_time: now, archive: emptyArchive })
            .where(
              'project_version_id',
              'in',
              removed.slice(start, start + removeBatch).map((version) => version.project_version_id),
            )
            .execute();
        }
        for (const version of removed) {
          await audit(ctx, trx, {
            actor,
            action: 'remove-project-version',
            targetType: 'project',
            targetId: `${version.folder_name}/${version.project_name}`,
            details: { versionNumber: version.version_number, maxProjectVersions: max },
          });
        }
        return removed.map(
          (version): RemovedProjectVersion => ({
            folderName: version.folder_name,
            projectName: version.project_name,
            versionNumber: version.version_number,
            archiveName: version.archive_name,
          }),
        );
      });
    },
  };
}

async function readMaxProjectVersions(ctx: CatalogContext): Promise<number> {
  const row = await ctx.engine.read((db) =>
    db.selectFrom('master_properties').select('property_value').where('property_name', '=', MasterProperty.maxProjectVersions).executeTakeFirst(),
  );
  return readCatalogProperty(MasterProperty.maxProjectVersions, row?.property_value);
}
