import { agentDownloadEndpoints } from '../../contracts/agent-downloads.js';
import { enrollmentEndpoints } from '../../contracts/enrollment.js';
import { managementEndpoints } from '../../contracts/management/endpoints.js';
import { buildOpenApiDocument, getOpenApiDocument } from '../../contracts/openapi.js';
import { taskEndpoints } from '../../contracts/task-api.js';
import { workerEndpoints } from '../../contracts/worker-protocol.js';
import { defineHandler } from '../http/define-handler.js';

let document: Record<string, unknown> | undefined;

export const getOpenApiDocumentFunction = defineHandler(getOpenApiDocument, async (_input, services) => {
  document ??= buildOpenApiDocument([...workerEndpoints, ...enrollmentEndpoints, ...agentDownloadEndpoints, ...managementEndpoints, ...taskEndpoints, getOpenApiDocument], {
    version: services.version,
    serverUrl: services.config.masterAddress,
  });
  return document;
});
