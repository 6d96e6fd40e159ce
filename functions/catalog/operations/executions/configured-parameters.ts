import type { CatalogContext } from '../../context.js';
import type { DeclaredParameter, ParameterDataType, ParameterValue } from '../../domain.js';
import type { CatalogTrx } from '../../engine.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { variableTypeFits } from '../../parameters.js';
import { environmentFolderOf, findReference } from '../environment-references.js';
import { configuredValues } from '../object-parameters.js';

/**
 * What the deployed project's configuration gives a package's parameters when an execution is created: the literals
 * set on it (V), and for references (R) the variables of the environment the execution's reference names, decrypted
 * here, inside the transaction, to be stored again with the execution. Parameters the caller gives values for are
 * skipped: they override. Every refusal names the parameter and the variable.
 */
export async function resolveConfiguredValues(
  ctx: CatalogContext,
  trx: CatalogTrx,
  target: {
    projectId: number;
    folderName: string;
    projectName: string;
    packageName: string;
    declared: readonly DeclaredParameter[];
    /** False when the caller knows the configuration sets none of the package's parameters: it is not read then. */
    configured: boolean;
  },
  referenceId: number | undefined,
  overridden: (name: string) => boolean,
): Promise<Map<string, { declaration: DeclaredParameter; value: ParameterValue }>> {
  const resolved = new Map<string, { declaration: DeclaredParameter; value: ParameterValue }>();
  const environment = referenceId === undefined ? undefined : await referencedEnvironment(trx, target, referenceId);
  for (const row of target.configured ? await configuredValues(trx, target.projectId, target.packageName) : []) {
    // A parameter a later version no longer declares keeps its configuration, unused.
    const declaration = target.declared.find((p) => p.name === row.parameter_name);
    if (!declaration || overridden(declaration.name)) continue;
    if (row.value_type === 'V') {
      const json = row.sensitive_value === null ? row.value! : ctx.cipher.decrypt(row.sensitive_value);
      resolved.set(declaration.name, { declaration, value: JSON.parse(json) as ParameterValue });
      continue;
    }
    const variableName = row.referenced_variable_name!;
    const field = `parameters.${declaration.name}`;
    if (!environment) {
      throw new ValidationError(
        'referenceId',
        `parameter '${declaration.name}' refers to environment variable '${variableName}': name one of project '${target.folderName}/${target.projectName}''s environment references`,
      );
    }
    const variable = await trx
      .selectFrom('environment_variables')
      .selectAll()
      .where('environment_id', '=', environment.environmentId)
      .where('name', '=', variableName)
      .executeTakeFirst();
    if (!variable) {
      throw new ValidationError(field, `refers to environment variable '${variableName}', which environment '${environment.path}' does not have`);
    }
    const variableType = variable.data_type as ParameterDataType;
    if (!variableTypeFits(variableType, declaration.dataType)) {
      throw new ValidationError(
        field,
        `parameter '${declaration.name}' (${declaration.dataType}) cannot take environment variable '${variable.name}' (${variableType}) of '${environment.path}'`,
      );
    }
    const sensitive = variable.sensitive === 1 || variable.sensitive === true;
    if (sensitive && !declaration.sensitive) {
      throw new ValidationError(
        field,
        `parameter '${declaration.name}' is not sensitive, so it cannot take sensitive environment variable '${variable.name}' of '${environment.path}'`,
      );
    }
    const json = sensitive ? ctx.cipher.decrypt(variable.sensitive_value!) : variable.value!;
    resolved.set(declaration.name, { declaration, value: JSON.parse(json) as ParameterValue });
  }
  return resolved;
}

async function referencedEnvironment(
  trx: CatalogTrx,
  target: { folderName: string; projectName: string },
  referenceId: number,
): Promise<{ environmentId: number; path: string }> {
  const reference = await findReference(trx, referenceId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
  if (!reference || reference.folderName !== target.folderName || reference.projectName !== target.projectName) {
    throw new ValidationError('referenceId', `project '${target.folderName}/${target.projectName}' has no environment reference ${referenceId}`);
  }
  const folderName = environmentFolderOf(reference);
  const row = await trx
    .selectFrom('environments as e')
    .innerJoin('folders as f', 'f.folder_id', 'e.folder_id')
    .select('e.environment_id')
    .where('f.name', '=', folderName)
    .where('e.name', '=', reference.environmentName)
    .executeTakeFirst();
  const path = `${folderName}/${reference.environmentName}`;
  // delete_environment refuses while referenced, so this guards only a catalog changed by hand.
  if (!row) throw new ValidationError('referenceId', `environment reference ${referenceId} names '${path}', which does not exist`);
  return { environmentId: row.environment_id, path };
}
