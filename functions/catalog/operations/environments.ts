import type { Selectable } from 'kysely';
import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { Environment, EnvironmentVariable, ParameterDataType, ParameterValue } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { coerceParameterValue, parameterDataTypes } from '../parameters.js';
import { flag, num } from '../rows.js';
import type { EnvironmentVariablesTable } from '../schema.js';
import { audit } from './audit.js';
import { deletePermissionsOn, grantCreatorPermissions } from './object-permissions.js';
import { ensureFolder } from './projects.js';

/** A variable as anyone but an execution sees it: a sensitive value is never decrypted here. */
export function toEnvironmentVariable(row: Selectable<EnvironmentVariablesTable>): EnvironmentVariable {
  return {
    variableId: row.variable_id,
    name: row.name,
    dataType: row.data_type as ParameterDataType,
    sensitive: flag(row.sensitive),
    description: row.description,
    value: row.value === null ? null : (JSON.parse(row.value) as ParameterValue),
  };
}

/** The value's columns: sensitive values are stored only encrypted. */
function valueColumns(ctx: CatalogContext, sensitive: boolean, value: ParameterValue) {
  const json = JSON.stringify(value);
  return sensitive ? { value: null, sensitive_value: ctx.cipher.encrypt(json) } : { value: json, sensitive_value: null };
}

export function validName(field: string, name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 128) throw new ValidationError(field, 'must be 1 to 128 characters');
  if (trimmed.includes('/')) throw new ValidationError(field, "must not contain '/' (it separates folder and name)");
  return trimmed;
}

/** The environment's row, or NotFoundError naming `folder/environment`. */
export async function findEnvironment(db: CatalogDb | CatalogTrx, folderName: string, environmentName: string) {
  const row = await db
    .selectFrom('environments as e')
    .innerJoin('folders as f', 'f.folder_id', 'e.folder_id')
    .select(['e.environment_id', 'e.folder_id', 'e.name', 'e.description', 'e.created_by', 'e.created_time', 'f.name as folder_name'])
    .where('f.name', '=', folderName)
    .where('e.name', '=', environmentName)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('environment', `${folderName}/${environmentName}`);
  return row;
}

async function findVariable(trx: CatalogTrx, environmentId: number, folderAndEnvironment: string, variableName: string) {
  const row = await trx
    .selectFrom('environment_variables')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .where('name', '=', variableName)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('environment variable', `${folderAndEnvironment}/${variableName}`);
  return row;
}

async function listWithVariables(db: CatalogDb | CatalogTrx, folderName?: string, environmentName?: string): Promise<Environment[]> {
  let query = db
    .selectFrom('environments as e')
    .innerJoin('folders as f', 'f.folder_id', 'e.folder_id')
    .select(['e.environment_id', 'e.name', 'e.description', 'e.created_by', 'e.created_time', 'f.name as folder_name']);
  if (folderName !== undefined) query = query.where('f.name', '=', folderName);
  if (environmentName !== undefined) query = query.where('e.name', '=', environmentName);
  const rows = await query.orderBy('f.name').orderBy('e.name').execute();
  if (rows.length === 0) return [];
  const variables = await db
    .selectFrom('environment_variables')
    .selectAll()
    .where(
      'environment_id',
      'in',
      rows.map((row) => row.environment_id),
    )
    .orderBy('name')
    .execute();
  return rows.map((row) => ({
    environmentId: row.environment_id,
    folderName: row.folder_name,
    name: row.name,
    description: row.description,
    createdBy: row.created_by,
    createdTime: num(row.created_time),
    variables: variables.filter((v) => v.environment_id === row.environment_id).map(toEnvironmentVariable),
  }));
}

async function loadEnvironment(db: CatalogDb | CatalogTrx, folderName: string, environmentName: string): Promise<Environment> {
  const [environment] = await listWithVariables(db, folderName, environmentName);
  if (!environment) throw new NotFoundError('environment', `${folderName}/${environmentName}`);
  return environment;
}

export function environmentOperations(
  ctx: CatalogContext,
): Pick<
  Catalog,
  | 'createEnvironment'
  | 'renameEnvironment'
  | 'deleteEnvironment'
  | 'listEnvironments'
  | 'getEnvironment'
  | 'createEnvironmentVariable'
  | 'setEnvironmentVariableValue'
  | 'deleteEnvironmentVariable'
> {
  return {
    createEnvironment: (input, actor) =>
      ctx.engine.transaction(async (trx) => {
        const name = validName('environmentName', input.environmentName);
        const folderName = validName('folderName', input.folderName);
        const folderId = await ensureFolder(ctx, trx, folderName, actor, input.creator);
        const clash = await trx
          .selectFrom('environments')
          .select('environment_id')
          .where('folder_id', '=', folderId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (clash) throw new ConflictError('environmentName', `folder '${folderName}' already has an environment named '${name}'`);
        const { environment_id: environmentId } = await trx
          .insertInto('environments')
          .values({
            folder_id: folderId,
            name,
            description: input.description ?? '',
            created_by: actor,
            created_time: ctx.clock.now(),
          })
          .returning('environment_id')
          .executeTakeFirstOrThrow();
        await audit(ctx, trx, { actor, action: 'create-environment', targetType: 'environment', targetId: `${folderName}/${name}` });
        await grantCreatorPermissions(ctx, trx, { objectType: 'environment', objectId: environmentId, path: `${folderName}/${name}` }, input.creator, actor);
        return loadEnvironment(trx, folderName, name);
      }),

    renameEnvironment: (folderName, environmentName, newName, actor) =>
      ctx.engine.transaction(async (trx) => {
        const environment = await findEnvironment(trx, folderName, environmentName);
        const name = validName('newName', newName);
        const clash = await trx
          .selectFrom('environments')
          .select('environment_id')
          .where('folder_id', '=', environment.folder_id)
          .where('name', '=', name)
          .where('environment_id', '<>', environment.environment_id)
          .executeTakeFirst();
        if (clash) throw new ConflictError('newName', `folder '${folderName}' already has an environment named '${name}'`);
        await trx.updateTable('environments').set({ name }).where('environment_id', '=', environment.environment_id).execute();
        // References name their environment, as SSISDB's do: they follow it to its new name.
        await trx
          .updateTable('environment_references')
          .set({ environment_name: name })
          .where('environment_name', '=', environment.name)
          .where((eb) =>
            eb.or([
              eb('environment_folder_name', '=', folderName),
              eb.and([
                eb('environment_folder_name', 'is', null),
                eb(
                  'project_id',
                  'in',
                  eb.selectFrom('projects').select('project_id').where('folder_id', '=', environment.folder_id),
                ),
              ]),
            ]),
          )
          .execute();
        await audit(ctx, trx, {
          actor,
          action: 'rename-environment',
          targetType: 'environment',
          targetId: `${folderName}/${name}`,
          details: { previousName: environment.name },
        });
        return loadEnvironment(trx, folderName, name);
      }),

    deleteEnvironment: (folderName, environmentName, actor) =>
      ctx.engine.transaction(async (trx) => {
        const environment = await findEnvironment(trx, folderName, environmentName);
        const referencing = await trx
          .selectFrom('environment_references as r')
          .innerJoin('projects as p', 'p.project_id', 'r.project_id')
          .innerJoin('folders as f', 'f.folder_id', 'p.folder_id')
          .select(['f.name as folder_name', 'p.name as project_name'])
          .where('r.environment_name', '=', environment.name)
          .where((eb) =>
            eb.or([
              eb('r.environment_folder_name', '=', folderName),
              eb.and([eb('r.environment_folder_name', 'is', null), eb('p.folder_id', '=', environment.folder_id)]),
            ]),
          )
          .orderBy('f.name')
          .orderBy('p.name')
          .execute();
        if (referencing.length > 0) {
          const projects = referencing.map((row) => `${row.folder_name}/${row.project_name}`).join(', ');
          throw new ConflictError(
            'environmentName',
            `environment '${folderName}/${environment.name}' is referenced by ${projects}: delete those references first`,
          );
        }
        await trx.deleteFrom('environment_variables').where('environment_id', '=', environment.environment_id).execute();
        await trx.deleteFrom('environments').where('environment_id', '=', environment.environment_id).execute();
        await deletePermissionsOn(trx, 'environment', environment.environment_id);
        await audit(ctx, trx, { actor, action: 'delete-environment', targetType: 'environment', targetId: `${folderName}/${environment.name}` });
      }),

    listEnvironments: (folderName) => ctx.engine.read((db) => listWithVariables(db, folderName)),

    getEnvironment: (folderName, environmentName) => ctx.engine.read((db) => loadEnvironment(db, folderName, environmentName)),

    createEnvironmentVariable: (folderName, environmentName, input, actor) =>
      ctx.engine.transaction(async (trx) => {
        const environment = await findEnvironment(trx, folderName, environmentName);
        const name = validName('name', input.name);
        if (!parameterDataTypes.includes(input.dataType)) {
          throw new ValidationError('dataType', `must be one of ${parameterDataTypes.join(', ')}`);
        }
        const sensitive = input.sensitive ?? false;
        const value = coerceParameterValue({ name, dataType: input.dataType }, input.value, 'value');
        const clash = await trx
          .selectFrom('environment_variables')
          .select('variable_id')
          .where('environment_id', '=', environment.environment_id)
          .where('name', '=', name)
          .executeTakeFirst();
        if (clash) throw new ConflictError('name', `environment '${folderName}/${environment.name}' already has a variable named '${name}'`);
        const { variable_id: variableId } = await trx
          .insertInto('environment_variables')
          .values({
            environment_id: environment.environment_id,
            name,
            description: input.description ?? '',
            data_type: input.dataType,
            sensitive: sensitive ? 1 : 0,
            ...valueColumns(ctx, sensitive, value),
          })
          .returning('variable_id')
          .executeTakeFirstOrThrow();
        // The value is never in the audit trail: a sensitive one must not be, and one rule is easier to trust.
        await audit(ctx, trx, {
          actor,
          action: 'create-environment-variable',
          targetType: 'environment',
          targetId: `${folderName}/${environment.name}`,
          details: { variable: name, dataType: input.dataType, sensitive },
        });
        return toEnvironmentVariable(
          await trx.selectFrom('environment_variables').selectAll().where('variable_id', '=', variableId).executeTakeFirstOrThrow(),
        );
      }),

    setEnvironmentVariableValue: (folderName, environmentName, variableName, value, actor) =>
      ctx.engine.transaction(async (trx) => {
        const environment = await findEnvironment(trx, folderName, environmentName);
        const variable = await findVariable(trx, environment.environment_id, `${folderName}/${environment.name}`, variableName);
        const sensitive = flag(variable.sensitive);
        const coerced = coerceParameterValue({ name: variable.name, dataType: variable.data_type as ParameterDataType }, value, 'value');
        await trx
          .updateTable('environment_variables')
          .set(valueColumns(ctx, sensitive, coerced))
          .where('variable_id', '=', variable.variable_id)
          .execute();
        await audit(ctx, trx, {
          actor,
          action: 'set-environment-variable-value',
          targetType: 'environment',
          targetId: `${folderName}/${environment.name}`,
          details: { variable: variable.name, sensitive },
        });
        return toEnvironmentVariable(
          await trx.selectFrom('environment_variables').selectAll().where('variable_id', '=', variable.variable_id).executeTakeFirstOrThrow(),
        );
      }),

    deleteEnvironmentVariable: (folderName, environmentName, variableName, actor) =>
      ctx.engine.transaction(async (trx) => {
        const environment = await findEnvironment(trx, folderName, environmentName);
        const variable = await findVariable(trx, environment.environment_id, `${folderName}/${environment.name}`, variableName);
        await trx.deleteFrom('environment_variables').where('variable_id', '=', variable.variable_id).execute();
        await audit(ctx, trx, {
          actor,
          action: 'delete-environment-variable',
          targetType: 'environment',
          targetId: `${folderName}/${environment.name}`,
          details: { variable: variable.name },
        });
      }),
  };
}
