import {
  createEnvironment,
  createEnvironmentReference,
  createEnvironmentVariable,
  deleteEnvironment,
  deleteEnvironmentReference,
  deleteEnvironmentVariable,
  getEnvironment,
  listEnvironmentReferences,
  listEnvironments,
  listObjectParameters,
  renameEnvironment,
  setEnvironmentVariableValue,
  setObjectParameterValue,
} from '../../../contracts/management/environment-endpoints.js';
import type { EnvironmentReferenceView, EnvironmentVariableView, EnvironmentView } from '../../../contracts/management/views.js';
import type { Environment, EnvironmentReference, EnvironmentVariable } from '../../catalog/domain.js';
import { NotFoundError } from '../../catalog/errors.js';
import { environmentRef, projectRef } from '../../auth/caller-permissions.js';
import { defineHandler } from '../../http/define-handler.js';
import { iso } from '../views.js';

// The catalog masks sensitive values already (null); the views copy fields one by one so nothing else leaks out.
function toEnvironmentView(environment: Environment): EnvironmentView {
  return {
    folderName: environment.folderName,
    name: environment.name,
    description: environment.description,
    createdBy: environment.createdBy,
    createdTime: iso(environment.createdTime),
    variables: environment.variables.map(toVariableView),
  };
}

function toVariableView({ name, dataType, sensitive, description, value }: EnvironmentVariable): EnvironmentVariableView {
  return { name, dataType, sensitive, description, value: sensitive ? null : value };
}

function toReferenceView(reference: EnvironmentReference): EnvironmentReferenceView {
  return { ...reference, createdTime: iso(reference.createdTime) };
}

export const createEnvironmentFunction = defineHandler(createEnvironment, async ({ params, body, caller, permissions }, { catalog }) => {
  await permissions.requireToCreateOrModify(environmentRef(params.folderName, body.name));
  return toEnvironmentView(
    await catalog.createEnvironment(
      { folderName: params.folderName, environmentName: body.name, description: body.description, creator: permissions.creator },
      caller.actor,
    ),
  );
});

export const listEnvironmentsFunction = defineHandler(listEnvironments, async ({ query, permissions }, { catalog }) => ({
  environments: (await permissions.readable(await catalog.listEnvironments(query.folder), (e) => environmentRef(e.folderName, e.name))).map(
    toEnvironmentView,
  ),
}));

export const getEnvironmentFunction = defineHandler(getEnvironment, async ({ params, permissions }, { catalog }) => {
  await permissions.require('READ', environmentRef(params.folderName, params.environmentName));
  return toEnvironmentView(await catalog.getEnvironment(params.folderName, params.environmentName));
});

export const renameEnvironmentFunction = defineHandler(renameEnvironment, async ({ params, body, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', environmentRef(params.folderName, params.environmentName));
  return toEnvironmentView(await catalog.renameEnvironment(params.folderName, params.environmentName, body.newName, caller.actor));
});

export const deleteEnvironmentFunction = defineHandler(deleteEnvironment, async ({ params, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', environmentRef(params.folderName, params.environmentName));
  await catalog.deleteEnvironment(params.folderName, params.environmentName, caller.actor);
  return undefined;
});

export const createEnvironmentVariableFunction = defineHandler(createEnvironmentVariable, async ({ params, body, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', environmentRef(params.folderName, params.environmentName));
  return toVariableView(await catalog.createEnvironmentVariable(params.folderName, params.environmentName, body, caller.actor));
});

export const setEnvironmentVariableValueFunction = defineHandler(setEnvironmentVariableValue, async ({ params, body, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', environmentRef(params.folderName, params.environmentName));
  return toVariableView(
    await catalog.setEnvironmentVariableValue(params.folderName, params.environmentName, params.variableName, body.value, caller.actor),
  );
});

export const deleteEnvironmentVariableFunction = defineHandler(deleteEnvironmentVariable, async ({ params, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', environmentRef(params.folderName, params.environmentName));
  await catalog.deleteEnvironmentVariable(params.folderName, params.environmentName, params.variableName, caller.actor);
  return undefined;
});

// A reference lets the project's executions read the environment: it needs MODIFY on the project, READ on the environment.
export const createEnvironmentReferenceFunction = defineHandler(createEnvironmentReference, async ({ params, body, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', projectRef(params.folderName, params.projectName));
  await permissions.require('READ', environmentRef(body.environmentFolderName ?? params.folderName, body.environmentName));
  return toReferenceView(await catalog.createEnvironmentReference({ ...params, ...body }, caller.actor));
});

export const listEnvironmentReferencesFunction = defineHandler(listEnvironmentReferences, async ({ params, permissions }, { catalog }) => {
  await permissions.require('READ', projectRef(params.folderName, params.projectName));
  return { references: (await catalog.listEnvironmentReferences(params.folderName, params.projectName)).map(toReferenceView) };
});

export const deleteEnvironmentReferenceFunction = defineHandler(deleteEnvironmentReference, async ({ params, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', projectRef(params.folderName, params.projectName));
  // The path names the project: a reference of another project is not found here.
  const references = await catalog.listEnvironmentReferences(params.folderName, params.projectName);
  if (!references.some((r) => r.referenceId === params.referenceId)) {
    throw new NotFoundError('environment reference', `${params.folderName}/${params.projectName} #${params.referenceId}`);
  }
  await catalog.deleteEnvironmentReference(params.referenceId, caller.actor);
  return undefined;
});

export const setObjectParameterValueFunction = defineHandler(setObjectParameterValue, async ({ params, body, caller, permissions }, { catalog }) => {
  await permissions.require('MODIFY', projectRef(params.folderName, params.projectName));
  return catalog.setObjectParameterValue({ ...params, ...body }, caller.actor);
});

export const listObjectParametersFunction = defineHandler(listObjectParameters, async ({ params, permissions }, { catalog }) => {
  await permissions.require('READ', projectRef(params.folderName, params.projectName));
  return { parameters: await catalog.listObjectParameters(params.folderName, params.projectName) };
});

export const environmentFunctions = [
  createEnvironmentFunction,
  listEnvironmentsFunction,
  getEnvironmentFunction,
  renameEnvironmentFunction,
  deleteEnvironmentFunction,
  createEnvironmentVariableFunction,
  setEnvironmentVariableValueFunction,
  deleteEnvironmentVariableFunction,
  createEnvironmentReferenceFunction,
  listEnvironmentReferencesFunction,
  deleteEnvironmentReferenceFunction,
  setObjectParameterValueFunction,
  listObjectParametersFunction,
] as const;
