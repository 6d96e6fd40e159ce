import azureFunctions from '@azure/functions';
import { fromAzureRequest, invocationOf, toAzureResponse, triggerMessageOf } from './azure-adapter.js';
import { hostingOf, parseMasterConfig } from './config/master-config.js';
import { functionTable } from './function-table.js';
import { runHttpFunction } from './http/run-http-function.js';
import { createMasterServices, type MasterServices } from './master-services.js';

/**
 * The master on Azure Functions (in Azure, or under Core Tools' `func start`, as the settings say: hostingOf):
 * registers every function of the table with @azure/functions v4. Nothing
 * connects at module load (Flex Consumption gives an instance 30 s to start, and SQL may be paused): the
 * services are built by the first invocation and shared by the next ones.
 */
const { app } = azureFunctions;
// Request and response bodies as streams: a project archive (up to 100 MiB) passes through, never held whole.
app.setup({ enableHttpStream: true });

let services: Promise<MasterServices> | undefined;
function masterServices(): Promise<MasterServices> {
  services ??= createMasterServices(parseMasterConfig(process.env, hostingOf(process.env))).catch((error: unknown) => {
    services = undefined; // the next invocation tries again (e.g. the database was resuming)
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
      handler: async (request, context) =>
        toAzureResponse(await runHttpFunction(fn, fromAzureRequest(request, fn), await masterServices(), invocationOf(context))),
    });
  } else if (fn.kind === 'timer') {
    app.timer(fn.name, {
      schedule: `%${fn.scheduleSetting}%`,
      runOnStartup: false,
      handler: async (_timer, context) => fn.run(await masterServices(), invocationOf(context)),
    });
  } else {
    // Batch size, retries and the poison queue come from host.json (extensions.queues).
    app.storageQueue(fn.name, {
      queueName: `%${fn.queueSetting}%`,
      connection: 'AzureWebJobsStorage',
      handler: async (entry, context) => fn.run(triggerMessageOf(entry, context), await masterServices(), invocationOf(context)),
    });
  }
}
