import type { Selectable } from 'kysely';
import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { ProjectVersion } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { num, numOrNull, toPackage } from '../rows.js';
import type { ProjectVersionsTable } from '../schema.js';
import { audit } from './audit.js';
import { rememberIdempotencyKey } from './idempotency-keys.js';
import { grantCreatorPermissions } from './object-permissions.js';

type VersionRow = Omit<Selectable<ProjectVersionsTable>, 'archive' | 'archive_name' | 'manifest' | 'removed_time'> & {
  folder_name: string;
  project_name: string;
  current_version_number: number;
};

/** The versions still kept (not removed by the cleanup), with their folder and project. */
export function selectVersions(db: CatalogDb | CatalogTrx) {
  return db
    .selectFrom('project_versions as v')
    .innerJoin('projects as p', 'p.project_id', 'v.project_id')
    .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
    .select([
      'v.project_version_id',
      'v.project_id',
      'v.version_number',
      'v.archive_sha256',
      'v.archive_size',
      'v.deployed_by',
      'v.deployed_time',
      'v.restored_by',
      'v.last_restored_time',
      'f.name as folder_name',
      'p.name as project_name',
      'p.current_version_number',
    ])
    .where('v.removed_time', 'is', null);
}

export async function withPackages(db: CatalogDb | CatalogTrx, rows: VersionRow[]): Promise<ProjectVersion[]> {
  if (rows.length === 0) return [];
  const packages = await db
    .selectFrom('packages')
    .selectAll()
    .where(
      'project_version_id',
      'in',
      rows.map((row) => row.project_version_id),
    )
    .orderBy('name')
    .execute();
  const names = await actorNames(db, rows.map((row) => row.deployed_by));
  return rows.map((row) => ({
    projectVersionId: row.project_version_id,
    folderName: row.folder_name,
    projectName: row.project_name,
    versionNumber: row.version_number,
    archiveSha256: row.archive_sha256,
    archiveSize: row.archive_size,
    deployedBy: row.deployed_by,
    deployedByName: names.get(row.deployed_by) ?? null,
    deployedTime: num(row.deployed_time),
    isCurrent: row.version_number === row.current_version_number,
    restoredBy: row.restored_by,
    lastRestoredTime: numOrNull(row.last_restored_time),
    packages: packages.filter((p) => p.project_version_id === row.project_version_id).map(toPackage),
  }));
}

/**
 * Who an actor is, in words: an API key's name (keys are never renamed nor deleted, only revoked), an Entra
 * principal's name.
 */
async function actorNames(db: CatalogDb | CatalogTrx, actors: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const keyIds = new Set<string>();
  for (const actor of actors) {
    if (actor.startsWith('entra:')) names.set(actor, actor.slice('entra:'.length));
    if (actor.startsWith('apikey:')) keyIds.add(actor.slice('apikey:'.length));
  }
  if (keyIds.size === 0) return names;
  const keys = await db.selectFrom('api_keys').select(['api_key_id', 'name']).where('api_key_id', 'in', [...keyIds]).execute();
  for (const key of keys) names.set(`apikey:${key.api_key_id}`, key.name);
  return names;
}

/** Finds a folder by name, creating it when missing. */
/** The folder's id, created when missing (its creator, when not an admin, then gets every permission on it). */
export async function ensureFolder(ctx: CatalogContext, trx: CatalogTrx, name: string, actor: string, creator: string | undefined): Promise<number> {
  const existing = await trx.selectFrom('folders').select('folder_id').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.folder_id;
  const { folder_id: folderId } = await trx
    .insertInto('folders')
    .values({ name, description: '', created_time: ctx.clock.now() })
    .returning('folder_id')
    .executeTakeFirstOrThrow();
  await audit(ctx, trx, { actor, action: 'create-folder', targetType: 'folder', targetId: name });
  await grantCreatorPermissions(ctx, trx, { objectType: 'folder', objectId: folderId, path: name }, creator, actor);
  return folderId;
}

async function ensureProject(
  ctx: CatalogContext,
  trx: CatalogTrx,
  folder: { folderId: number; folderName: string },
  name: string,
  creator: string | undefined,
  actor: string,
): Promise<number> {
  const { folderId } = folder;
  const existing = await trx
    .selectFrom('projects')
    .select('project_id')
    .where('folder_id', '=', folderId)
    .where('name', '=', name)
    .executeTakeFirst();
  if (existing) return existing.project_id;
  const { project_id: projectId } = await trx
    .insertInto('projects')
    .values({ folder_id: folderId, name, created_time: ctx.clock.now() })
    .returning('project_id')
    .executeTakeFirstOrThrow();
  await grantCreatorPermissions(ctx, trx, { objectType: 'project', objectId: projectId, path: `${folder.folderName}/${name}` }, creator, actor);
  return projectId;
}

export function projectOperations(
  ctx: CatalogContext,
): Pick<
  Catalog,
  | 'deployProject'
  | 'listFolders'
  | 'listProjects'
  | 'getProjectVersion'
  | 'getProjectArchive'
  | 'listArchivesInCatalog'
  | 'getArchiveInCatalog'
  | 'archiveMoved'
> {
  return {
    async deployProject(input, actor, guard) {
      if (input.packages.length === 0) throw new ValidationError('packages', 'a project needs at least one package');
      const names = new Set<string>();
      for (const [index, pkg] of input.packages.entries()) {
        if (names.has(pkg.name.toLowerCase())) {
          throw new ValidationError(`packages[${index}].name`, `package '${pkg.name}' is declared twice`);
        }
        names.add(pkg.name.toLowerCase());
      }
      return ctx.engine.transaction(async (trx) => {
        const folderId = await ensureFolder(ctx, trx, input.folderName, actor, input.creator);
        const projectId = await ensureProject(ctx, trx, { folderId, folderName: input.folderName }, input.projectName, input.creator, actor);
        const last = await trx
          .selectFrom('project_versions')
          .select((eb) => eb.fn.max('version_number').as('latest'))
          .where('project_id', '=', projectId)
          .executeTakeFirst();
        const versionNumber = (last?.latest ?? 0) + 1;
        const { project_version_id: projectVersionId } = await trx
          .insertInto('project_versions')
          .values({
            project_id: projectId,
            version_number: versionNumber,
            archive: emptyArchive,
            archive_name: input.archiveName,
            archive_sha256: input.archiveSha256,
            archive_size: input.archiveSize,
            manifest: JSON.stringify(input.manifest),
            deployed_by: actor,
            deployed_time: ctx.clock.now(),
          })
          .returning('project_version_id')
          .executeTakeFirstOrThrow();
        // A new version becomes current, also after a restore_project (as in SSISDB).
        await trx.updateTable('projects').set({ current_version_number: versionNumber }).where('project_id', '=', projectId).execute();
        await trx
          .insertInto('packages')
          .values(
            input.packages.map((pkg) => ({
              project_version_id: projectVersionId,
              name: pkg.name,
              description: pkg.description ?? '',
              runner: pkg.runner,
              entry: pkg.entry,
              arguments: JSON.stringify(pkg.arguments ?? []),
              parameters: JSON.stringify(pkg.parameters ?? []),
              timeout_ms: pkg.timeoutMs ?? null,
            })),
          )
          .execute();
        await audit(ctx, trx, {
          actor,
          action: 'deploy-project',
          targetType: 'project',
          targetId: `${input.folderName}/${input.projectName}`,
          details: { versionNumber, archiveSha256: input.archiveSha256, packages: [...names] },
        });
        const [version] = await withPackages(
          trx,
          await selectVersions(trx).where('v.project_version_id', '=', projectVersionId).execute(),
        );
        await rememberIdempotencyKey(ctx, trx, guard, { folderName: input.folderName, projectName: input.projectName, versionNumber }, () => version!);
        return version!;
      });
    },

    listFolders: () =>
      ctx.engine.read(async (db) =>
        (await db.selectFrom('folders').selectAll().orderBy('name').execute()).map((row) => ({
          folderId: row.folder_id,
          name: row.name,
          description: row.description,
          createdTime: num(row.created_time),
        })),
      ),

    listProjects: (folderName) =>
      ctx.engine.read(async (db) => {
        let query = selectVersions(db).whereRef('v.version_number', '=', 'p.current_version_number');
        if (folderName !== undefined) query = query.where('f.name', '=', folderName);
        return withPackages(db, await query.orderBy('f.name').orderBy('p.name').execute());
      }),

    getProjectVersion: (folderName, projectName, versionNumber) =>
      ctx.engine.read(async (db) => {
        let query = selectVersions(db)
          .where('f.name', '=', folderName)
          .where('p.name', '=', projectName);
        query =
          versionNumber === undefined
            ? query.whereRef('v.version_number', '=', 'p.current_version_number')
            : query.where('v.version_number', '=', versionNumber);
        const row = await query.executeTakeFirst();
        if (!row) {
          throw new NotFoundError(
            'project',
            `${folderName}/${projectName}${versionNumber === undefined ? '' : ` version ${versionNumber}`}`,
          );
        }
        return (await withPackages(db, [row]))[0]!;
      }),

    getProjectArchive: (projectVersionId) =>
      ctx.engine.read(async (db) => {
        const row = await db
          .selectFrom('project_versions')
          .select(['archive_name', 'archive_sha256', 'archive_size'])
          .where('project_version_id', '=', projectVersionId)
          .executeTakeFirst();
        if (!row) throw new NotFoundError('project version', projectVersionId);
        // The master moves every archive out of the catalog before it serves (move-archives-to-store.ts).
        if (row.archive_name === null) throw new Error(`project version ${projectVersionId}: its archive was not moved to the archive store`);
        return { archiveName: row.archive_name, archiveSha256: row.archive_sha256, archiveSize: num(row.archive_size) };
      }),

    listArchivesInCatalog: () =>
      ctx.engine.read(async (db) =>
        (
          await db
            .selectFrom('project_versions as v')
            .innerJoin('projects as p', 'p.project_id', 'v.project_id')
            .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
            .select(['v.project_version_id', 'f.name as folder_name', 'p.name as project_name'])
            .where('v.archive_name', 'is', null)
            .orderBy('v.project_version_id')
            .execute()
        ).map((row) => ({ projectVersionId: row.project_version_id, folderName: row.folder_name, projectName: row.project_name })),
      ),

    getArchiveInCatalog: (projectVersionId) =>
      ctx.engine.read(async (db) => {
        const row = await db
          .selectFrom('project_versions')
          .select('archive')
          .where('project_version_id', '=', projectVersionId)
          .where('archive_name', 'is', null)
          .executeTakeFirst();
        if (!row) throw new NotFoundError('archive held in the catalog for project version', projectVersionId);
        return Buffer.from(row.archive);
      }),

    archiveMoved: (projectVersionId, archiveName) =>
      ctx.engine.transaction(async (trx) => {
        const result = await trx
          .updateTable('project_versions')
          .set({ archive_name: archiveName, archive: emptyArchive })
          .where('project_version_id', '=', projectVersionId)
          .where('archive_name', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      }),
  };
}

/** What `archive` holds once the bytes are in the archive store (the column predates it and is NOT NULL). */
export const emptyArchive = Buffer.alloc(0);
