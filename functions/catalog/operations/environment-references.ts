import type { Selectable } from 'kysely';
import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { EnvironmentReference, EnvironmentReferenceType } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { num } from '../rows.js';
import type { EnvironmentReferencesTable } from '../schema.js';
import { audit } from './audit.js';
import { findEnvironment } from './environments.js';

/** A deployed project's row, or NotFoundError naming `folder/project`. */
export async function findProject(db: CatalogDb | CatalogTrx, folderName: string, projectName: string) {
  const row = await db
    .selectFrom('projects as p')
    .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
    .select(['p.project_id', 'p.folder_id', 'p.name', 'f.name as folder_name'])
    .where('f.name', '=', folderName)
    .where('p.name', '=', projectName)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('project', `${folderName}/${projectName}`);
  return row;
}

type ReferenceRow = Selectable<EnvironmentReferencesTable> & { folder_name: string; project_name: string };

function selectReferences(db: CatalogDb | CatalogTrx) {
  return db
    .selectFrom('environment_references as r')
    .innerJoin('projects as p', 'p.project_id', 'r.project_id')
    .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
    .selectAll('r')
    .select(['f.name as folder_name', 'p.name as project_name']);
}

export function toEnvironmentReference(row: ReferenceRow): EnvironmentReference {
  return {
    referenceId: row.reference_id,
    folderName: row.folder_name,
    projectName: row.project_name,
    referenceType: row.reference_type as EnvironmentReferenceType,
    environmentFolderName: row.environment_folder_name,
    environmentName: row.environment_name,
    createdBy: row.created_by,
    createdTime: num(row.created_time),
  };
}

/** The reference with that id, or NotFoundError. */
export async function findReference(db: CatalogDb | CatalogTrx, referenceId: number): Promise<EnvironmentReference> {
  const row = await selectReferences(db).where('r.reference_id', '=', referenceId).executeTakeFirst();
  if (!row) throw new NotFoundError('environment reference', referenceId);
  return toEnvironmentReference(row);
}

/** The folder a reference's environment is in: the project's own for a relative one. */
export function environmentFolderOf(reference: EnvironmentReference): string {
  return reference.environmentFolderName ?? reference.folderName;
}

export function environmentReferenceOperations(
  ctx: CatalogContext,
): Pick<Catalog, 'createEnvironmentReference' | 'deleteEnvironmentReference' | 'listEnvironmentReferences'> {
  return {
    createEnvironmentReference: (input, actor) =>
      ctx.engine.transaction(async (trx) => {
        const project = await findProject(trx, input.folderName, input.projectName);
        const referenceType: EnvironmentReferenceType = input.environmentFolderName === undefined ? 'R' : 'A';
        const environmentFolder = input.environmentFolderName ?? input.folderName;
        const environment = await findEnvironment(trx, environmentFolder, input.environmentName).catch((error: unknown) => {
          if (error instanceof NotFoundError) {
            throw new ValidationError('environmentName', `folder '${environmentFolder}' has no environment '${input.environmentName}'`);
          }
          throw error;
        });
        const existing = (await selectReferences(trx).where('r.project_id', '=', project.project_id).execute()).map(toEnvironmentReference);
        if (existing.some((r) => environmentFolderOf(r) === environmentFolder && r.environmentName === environment.name)) {
          throw new ConflictError(
            'environmentName',
            `project '${input.folderName}/${input.projectName}' already references environment '${environmentFolder}/${environment.name}'`,
          );
        }
        const { reference_id: referenceId } = await trx
          .insertInto('environment_references')
          .values({
            project_id: project.project_id,
            reference_type: referenceType,
            environment_folder_name: referenceType === 'A' ? environmentFolder : null,
            environment_name: environment.name,
            created_by: actor,
            created_time: ctx.clock.now(),
          })
          .returning('reference_id')
          .executeTakeFirstOrThrow();
        await audit(ctx, trx, {
          actor,
          action: 'create-environment-reference',
          targetType: 'project',
          targetId: `${input.folderName}/${input.projectName}`,
          details: { referenceId, referenceType, environment: `${environmentFolder}/${environment.name}` },
        });
        return findReference(trx, referenceId);
      }),

    deleteEnvironmentReference: (referenceId, actor) =>
      ctx.engine.transaction(async (trx) => {
        const reference = await findReference(trx, referenceId);
        const schedules = await trx.selectFrom('schedules').select('name').where('reference_id', '=', referenceId).orderBy('name').execute();
        if (schedules.length > 0) {
          throw new ConflictError(
            'referenceId',
            `environment reference ${referenceId} is used by schedule(s) ${schedules.map((s) => s.name).join(', ')}: remove them first`,
          );
        }
        await trx.deleteFrom('environment_references').where('reference_id', '=', referenceId).execute();
        await audit(ctx, trx, {
          actor,
          action: 'delete-environment-reference',
          targetType: 'project',
          targetId: `${reference.folderName}/${reference.projectName}`,
          details: { referenceId, environment: `${environmentFolderOf(reference)}/${reference.environmentName}` },
        });
      }),

    listEnvironmentReferences: (folderName, projectName) =>
      ctx.engine.read(async (db) => {
        const project = await findProject(db, folderName, projectName);
        const rows = await selectReferences(db).where('r.project_id', '=', project.project_id).orderBy('r.reference_id').execute();
        return rows.map(toEnvironmentReference);
      }),
  };
}
