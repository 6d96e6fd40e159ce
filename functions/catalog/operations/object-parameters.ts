import type { Catalog } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { DeclaredParameter, ObjectParameter, ObjectParameterValueType, ParameterValue } from '../domain.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { coerceParameterValue } from '../parameters.js';
import { audit } from './audit.js';
import { findProject } from './environment-references.js';
import { validName } from './environments.js';

/** SSISDB's object_type of a package parameter (20 would be a project parameter, which projects here do not have). */
export const packageObjectType = 30;

/** The packages of a project's latest version, with their declared parameters. */
async function latestPackages(db: CatalogDb | CatalogTrx, projectId: number) {
  const rows = await db
    .selectFrom('packages as k')
    .innerJoin('project_versions as v', 'v.project_version_id', 'k.project_version_id')
    .select(['k.name', 'k.parameters'])
    .where('v.project_id', '=', projectId)
    .where((eb) =>
      eb(
        'v.version_number',
        '=',
        eb
          .selectFrom('project_versions as latest')
          .select((inner) => inner.fn.max('latest.version_number').as('n'))
          .where('latest.project_id', '=', projectId),
      ),
    )
    .orderBy('k.name')
    .execute();
  return rows.map((row) => ({ name: row.name, parameters: JSON.parse(row.parameters) as DeclaredParameter[] }));
}

/** What set_object_parameter_value stored on a project's package: by parameter name. */
export async function configuredValues(db: CatalogDb | CatalogTrx, projectId: number, packageName: string) {
  return db
    .selectFrom('object_parameters')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('object_type', '=', packageObjectType)
    .where('object_name', '=', packageName)
    .execute();
}

export function objectParameterOperations(ctx: CatalogContext): Pick<Catalog, 'setObjectParameterValue' | 'listObjectParameters'> {
  return {
    setObjectParameterValue: (input, actor) =>
      ctx.engine.transaction(async (trx) => {
        const project = await findProject(trx, input.folderName, input.projectName);
        const pkg = (await latestPackages(trx, project.project_id)).find((p) => p.name === input.packageName);
        if (!pkg) throw new NotFoundError('package', `${input.folderName}/${input.projectName}/${input.packageName}`);
        const declared = pkg.parameters.find((p) => p.name.toLowerCase() === input.parameterName.toLowerCase());
        if (!declared) {
          const names = pkg.parameters.map((p) => p.name).join(', ');
          throw new ValidationError(
            'parameterName',
            `package '${pkg.name}' declares no parameter '${input.parameterName}' (declared: ${names === '' ? 'none' : names})`,
          );
        }
        const row = storedValue(ctx, input.valueType, declared, input.value, input.referencedVariableName);
        await trx
          .deleteFrom('object_parameters')
          .where('project_id', '=', project.project_id)
          .where('object_type', '=', packageObjectType)
          .where('object_name', '=', pkg.name)
          .where('parameter_name', '=', declared.name)
          .execute();
        await trx
          .insertInto('object_parameters')
          .values({ project_id: project.project_id, object_type: packageObjectType, object_name: pkg.name, parameter_name: declared.name, ...row })
          .execute();
        await audit(ctx, trx, {
          actor,
          action: 'set-object-parameter-value',
          targetType: 'project',
          targetId: `${input.folderName}/${input.projectName}`,
          // Never the literal: it may be sensitive.
          details: { package: pkg.name, parameter: declared.name, valueType: input.valueType, referencedVariableName: row.referenced_variable_name },
        });
        const listed = await listFor(trx, project.project_id);
        return listed.find((p) => p.packageName === pkg.name && p.parameterName === declared.name)!;
      }),

    listObjectParameters: (folderName, projectName) =>
      ctx.engine.read(async (db) => listFor(db, (await findProject(db, folderName, projectName)).project_id)),
  };
}

function storedValue(
  ctx: CatalogContext,
  valueType: ObjectParameterValueType,
  declared: DeclaredParameter,
  value: ParameterValue | undefined,
  referencedVariableName: string | undefined,
): { value_type: ObjectParameterValueType; value: string | null; sensitive_value: string | null; referenced_variable_name: string | null } {
  switch (valueType) {
    case 'V': {
      if (value === undefined) throw new ValidationError('value', "is required with value type 'V' (a literal)");
      if (referencedVariableName !== undefined) throw new ValidationError('referencedVariableName', "goes with value type 'R' only");
      const json = JSON.stringify(coerceParameterValue(declared, value, 'value'));
      return declared.sensitive
        ? { value_type: 'V', value: null, sensitive_value: ctx.cipher.encrypt(json), referenced_variable_name: null }
        : { value_type: 'V', value: json, sensitive_value: null, referenced_variable_name: null };
    }
    case 'R': {
      if (referencedVariableName === undefined) {
        throw new ValidationError('referencedVariableName', "is required with value type 'R' (the environment variable's name)");
      }
      if (value !== undefined) throw new ValidationError('value', "goes with value type 'V' only");
      return { value_type: 'R', value: null, sensitive_value: null, referenced_variable_name: validName('referencedVariableName', referencedVariableName) };
    }
  }
}

async function listFor(db: CatalogDb | CatalogTrx, projectId: number): Promise<ObjectParameter[]> {
  const packages = await latestPackages(db, projectId);
  const set = await db
    .selectFrom('object_parameters')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('object_type', '=', packageObjectType)
    .execute();
  return packages.flatMap((pkg) =>
    pkg.parameters.map((declared): ObjectParameter => {
      const row = set.find((r) => r.object_name === pkg.name && r.parameter_name === declared.name);
      return {
        packageName: pkg.name,
        parameterName: declared.name,
        dataType: declared.dataType,
        required: declared.required,
        sensitive: declared.sensitive,
        designDefaultValue: declared.sensitive ? null : (declared.defaultValue ?? null),
        valueSet: row !== undefined,
        valueType: (row?.value_type as ObjectParameterValueType | undefined) ?? null,
        value: row?.value === null || row === undefined ? null : (JSON.parse(row.value) as ParameterValue),
        referencedVariableName: row?.referenced_variable_name ?? null,
      };
    }),
  );
}
