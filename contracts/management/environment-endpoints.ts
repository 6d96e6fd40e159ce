import * as z from 'zod';
import { CatalogName, ParameterValue, RowId } from '../common.js';
import { defineEndpoint } from '../endpoint.js';
import { EnvironmentReferenceView, EnvironmentVariableView, EnvironmentView, ObjectParameterView, ParameterDataType } from './views.js';

/**
 * Environments, environment references and the configuration of deployed projects (SSISDB create_environment…,
 * create_environment_reference, set_object_parameter_value). A sensitive value goes in and never comes out.
 */

const reader = { kind: 'management', role: 'reader' } as const;
const executor = { kind: 'management', role: 'executor' } as const;

const FolderParams = z.object({ folderName: CatalogName });
const EnvironmentParams = z.object({ folderName: CatalogName, environmentName: CatalogName });
const VariableParams = EnvironmentParams.extend({ variableName: CatalogName });
const ProjectParams = z.object({ folderName: CatalogName, projectName: CatalogName });

export const createEnvironment = defineEndpoint({
  operationId: 'createEnvironment',
  method: 'POST',
  path: '/v1/folders/{folderName}/environments',
  summary: 'Create an environment in a folder (SSISDB create_environment); the folder is created when missing.',
  access: executor,
  params: FolderParams,
  body: z.object({ name: CatalogName, description: z.string().max(1024).optional() }),
  response: EnvironmentView,
  status: 201,
});

export const listEnvironments = defineEndpoint({
  operationId: 'listEnvironments',
  method: 'GET',
  path: '/v1/environments',
  summary: 'Every environment (of one folder with `folder`) with its variables, sensitive values masked (catalog.environments).',
  access: reader,
  query: z.object({ folder: CatalogName.optional() }),
  response: z.object({ environments: z.array(EnvironmentView) }),
});

export const getEnvironment = defineEndpoint({
  operationId: 'getEnvironment',
  method: 'GET',
  path: '/v1/folders/{folderName}/environments/{environmentName}',
  summary: 'An environment and its variables, sensitive values masked.',
  access: reader,
  params: EnvironmentParams,
  response: EnvironmentView,
});

export const renameEnvironment = defineEndpoint({
  operationId: 'renameEnvironment',
  method: 'POST',
  path: '/v1/folders/{folderName}/environments/{environmentName}/rename',
  summary: 'Rename an environment (SSISDB rename_environment); references to it follow.',
  access: executor,
  params: EnvironmentParams,
  body: z.object({ newName: CatalogName }),
  response: EnvironmentView,
});

export const deleteEnvironment = defineEndpoint({
  operationId: 'deleteEnvironment',
  method: 'DELETE',
  path: '/v1/folders/{folderName}/environments/{environmentName}',
  summary: 'Delete an environment and its variables (SSISDB delete_environment); refused while a project references it.',
  access: executor,
  params: EnvironmentParams,
  response: null,
});

export const createEnvironmentVariable = defineEndpoint({
  operationId: 'createEnvironmentVariable',
  method: 'POST',
  path: '/v1/folders/{folderName}/environments/{environmentName}/variables',
  summary:
    'Add a typed variable (SSISDB create_environment_variable). A sensitive one is encrypted at rest and its value is never returned.',
  access: executor,
  params: EnvironmentParams,
  body: z.object({
    name: CatalogName,
    dataType: ParameterDataType,
    sensitive: z.boolean().default(false),
    value: ParameterValue,
    description: z.string().max(1024).optional(),
  }),
  response: EnvironmentVariableView,
  status: 201,
});

export const setEnvironmentVariableValue = defineEndpoint({
  operationId: 'setEnvironmentVariableValue',
  method: 'PUT',
  path: '/v1/folders/{folderName}/environments/{environmentName}/variables/{variableName}',
  summary: 'Set a variable\'s value, checked against its type (SSISDB set_environment_variable_value).',
  access: executor,
  params: VariableParams,
  body: z.object({ value: ParameterValue }),
  response: EnvironmentVariableView,
});

export const deleteEnvironmentVariable = defineEndpoint({
  operationId: 'deleteEnvironmentVariable',
  method: 'DELETE',
  path: '/v1/folders/{folderName}/environments/{environmentName}/variables/{variableName}',
  summary: 'Delete a variable (SSISDB delete_environment_variable).',
  access: executor,
  params: VariableParams,
  response: null,
});

export const createEnvironmentReference = defineEndpoint({
  operationId: 'createEnvironmentReference',
  method: 'POST',
  path: '/v1/folders/{folderName}/projects/{projectName}/references',
  summary:
    'Reference an environment from a project (SSISDB create_environment_reference): relative (the project\'s folder) without `environmentFolderName`, absolute with it.',
  access: executor,
  params: ProjectParams,
  body: z.object({ environmentName: CatalogName, environmentFolderName: CatalogName.optional() }),
  response: EnvironmentReferenceView,
  status: 201,
});

export const listEnvironmentReferences = defineEndpoint({
  operationId: 'listEnvironmentReferences',
  method: 'GET',
  path: '/v1/folders/{folderName}/projects/{projectName}/references',
  summary: 'A project\'s environment references (catalog.environment_references).',
  access: reader,
  params: ProjectParams,
  response: z.object({ references: z.array(EnvironmentReferenceView) }),
});

export const deleteEnvironmentReference = defineEndpoint({
  operationId: 'deleteEnvironmentReference',
  method: 'DELETE',
  path: '/v1/folders/{folderName}/projects/{projectName}/references/{referenceId}',
  summary: 'Remove an environment reference (SSISDB delete_environment_reference); refused while a schedule names it.',
  access: executor,
  params: ProjectParams.extend({ referenceId: RowId }),
  response: null,
});

export const setObjectParameterValue = defineEndpoint({
  operationId: 'setObjectParameterValue',
  method: 'PUT',
  path: '/v1/folders/{folderName}/projects/{projectName}/packages/{packageName}/parameters/{parameterName}',
  summary:
    'Configure a package parameter on the deployed project (SSISDB set_object_parameter_value): `V` a literal `value`, `R` the environment variable `referencedVariableName`. New versions keep it.',
  access: executor,
  params: ProjectParams.extend({ packageName: CatalogName, parameterName: z.string().min(1).max(128) }),
  body: z.object({
    valueType: z.enum(['V', 'R']),
    value: ParameterValue.optional(),
    referencedVariableName: CatalogName.optional(),
  }),
  response: ObjectParameterView,
});

export const listObjectParameters = defineEndpoint({
  operationId: 'listObjectParameters',
  method: 'GET',
  path: '/v1/folders/{folderName}/projects/{projectName}/parameters',
  summary: 'The package parameters of a project\'s latest version and what is set on each (catalog.object_parameters).',
  access: reader,
  params: ProjectParams,
  response: z.object({ parameters: z.array(ObjectParameterView) }),
});

export const environmentEndpoints = [
  createEnvironment,
  listEnvironments,
  getEnvironment,
  renameEnvironment,
  deleteEnvironment,
  createEnvironmentVariable,
  setEnvironmentVariableValue,
  deleteEnvironmentVariable,
  createEnvironmentReference,
  listEnvironmentReferences,
  deleteEnvironmentReference,
  setObjectParameterValue,
  listObjectParameters,
] as const;
