import azureFunctions, { type HttpRequest, type InvocationContext } from '@azure/functions';
import { parseMasterConfig } from './config/master-config.js';
import { functionTable } from './function-table.js';
import { PayloadTooLargeError, type ApiRequest, type Invocation, type Logger } from './http/api-request.js';
import type { HttpFunction } from './http/define-handler.js';
import { runHttpFunction } from './http/run-http-function.js';
import { createMasterServices, type MasterServices } from './master-services.js';

/**
 * The master on Azure Functions: registers every function of the table with @azure/functions v4. Nothing
 * connects at module load (Flex Consumption gives an instance 30 s to start, and SQL may be paused): the
 * services are built by the first invocation and shared by the next ones.
 */
const { app } = azureFunctions;

let services: Promise<MasterServices> | undefined;
function masterServices(): Promise<MasterServices> {
  services ??= createMasterServices(parseMasterConfig(process.env, 'azure')).catch((error: unknown) => {
    services = undefined; // let the next invocation try again (e.g. the database was resuming)
    throw error;
  });
  return services;
}

for (const fn of functionTable) {
  if (fn.kind === 'http') {
    app.http(fn.name, {
      methods: [fn.method],
      route: fn.route,
      authLevel: 'anonymous',
      handler: async (request, context) => {
        const response = await runHttpFunction(fn, fromAzureRequest(request, fn), await masterServices(), invocationOf(context));
        return { status: response.status, headers: response.headers ?? {}, ...(response.body !== undefined ? { body: response.body } : {}) };
      },
    });
  } else {
    app.timer(fn.name, {
      schedule: `%${fn.scheduleSetting}%`,
      runOnStartup: false,
      handler: async (_timer, context) => fn.run(await masterServices(), invocationOf(context)),
    });
  }
}

function fromAzureRequest(request: HttpRequest, fn: HttpFunction): ApiRequest {
  return {
    method: request.method,
    url: new URL(request.url),
    params: { ...request.params },
    header: (name) => request.headers.get(name) ?? undefined,
    async body() {
      const declared = Number(request.headers.get('content-length') ?? '0');
      if (declared > fn.maxBodyBytes) throw new PayloadTooLargeError(fn.maxBodyBytes);
      const bytes = Buffer.from(await request.arrayBuffer());
      if (bytes.length > fn.maxBodyBytes) throw new PayloadTooLargeError(fn.maxBodyBytes);
      return bytes;
    },
    // The platform does not tell a function that its caller left; a claim ends at its wait budget instead.
    signal: new AbortController().signal,
  };
}

function invocationOf(context: InvocationContext): Invocation {
  const log: Logger = {
    info: (message, details) => context.log(message, details ?? ''),
    warn: (message, details) => context.warn(message, details ?? ''),
    error: (message, details) => context.error(message, details ?? ''),
  };
  return { invocationId: context.invocationId, functionName: context.functionName, log };
}
