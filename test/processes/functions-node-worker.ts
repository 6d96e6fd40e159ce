import Module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { projectRoot } from '../../functions/project.js';

/**
 * Stands in for the Azure Functions host's Node.js worker, offline: it provides the built-in module
 * `@azure/functions-core` that the worker gives every app (the same interception of `require` the worker makes),
 * loads the app's entry point (package.json `main`, the built `dist/functions/app.js`) as the worker does, and
 * records what @azure/functions registered. The test then invokes a function by name: the very handler the
 * library registered, given @azure/functions' own HttpRequest, Timer or queue item and InvocationContext.
 * It talks to the test over IPC; settings come from the environment, as the host's app settings would.
 */

type Callback = (...args: unknown[]) => unknown;
interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, Record<string, unknown>>;
}

export type WorkerRequest =
  | { op: 'invoke-http'; name: string; method: string; url: string; headers: Record<string, string>; params: Record<string, string>; bodyBase64?: string }
  | { op: 'invoke-timer'; name: string }
  | { op: 'stop' };

export type WorkerReply =
  | { op: 'registered'; functions: CoreFunctionMetadata[]; programmingModel: string; systemLogs: string[] }
  | { op: 'http-response'; status: number; headers: Record<string, string>; body: string; logs: string[] }
  | { op: 'done'; logs: string[] }
  | { op: 'error'; message: string };

class Disposable {
  constructor(private readonly callOnDispose: () => void) {}
  static from(...disposables: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => disposables.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.callOnDispose();
  }
}

const registered = new Map<string, { metadata: CoreFunctionMetadata; callback: Callback }>();
let programmingModel: { name: string; version: string } | undefined;
const systemLogs: string[] = [];

/** What the worker's `@azure/functions-core` provides (types-core/index.d.ts of azure-functions-nodejs-library). */
const functionsCore = {
  version: 'offline-stand-in',
  hostVersion: '4.1000.0',
  Disposable,
  registerFunction(metadata: CoreFunctionMetadata, callback: Callback): Disposable {
    if (registered.has(metadata.name)) throw new Error(`a function named ${metadata.name} is already registered`);
    registered.set(metadata.name, { metadata, callback });
    return new Disposable(() => registered.delete(metadata.name));
  },
  registerHook(): Disposable {
    return new Disposable(() => undefined);
  },
  setProgrammingModel(model: { name: string; version: string }): void {
    programmingModel = model;
  },
  getProgrammingModel(): unknown {
    return programmingModel;
  },
  // Its presence tells @azure/functions the host is recent enough for HTTP streaming (app.setup enableHttpStream).
  log(level: string, category: string, message: string): void {
    systemLogs.push(`${level} ${category} ${message}`);
  },
};

const moduleRequire = Module.prototype.require;
Module.prototype.require = new Proxy(moduleRequire, {
  apply(target, thisArg, args: [string]) {
    return args[0] === '@azure/functions-core' ? functionsCore : Reflect.apply(target, thisArg, args);
  },
}) as typeof moduleRequire;

const root = projectRoot();
const { main } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
await import(pathToFileURL(join(root, main)).href);

// After the interception, as in the worker (the library itself looks the core module up lazily).
const { HttpRequest, HttpResponse, InvocationContext } = (await import('@azure/functions')).default;

function send(message: WorkerReply): void {
  process.send?.(message);
}

function contextFor(name: string, logs: string[]): InstanceType<typeof InvocationContext> {
  return new InvocationContext({
    invocationId: `offline-${name}-${Date.now()}`,
    functionName: name,
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`),
  });
}

function handlerOf(name: string): Callback {
  const fn = registered.get(name);
  if (!fn) throw new Error(`no function named ${name} was registered`);
  return fn.callback;
}

async function handle(message: WorkerRequest): Promise<void> {
  const logs: string[] = [];
  switch (message.op) {
    case 'invoke-http': {
      const request = new HttpRequest({
        method: message.method,
        url: message.url,
        headers: message.headers,
        params: message.params,
        ...(message.bodyBase64 !== undefined ? { body: { bytes: Buffer.from(message.bodyBase64, 'base64') } } : {}),
      });
      const result = await handlerOf(message.name)(request, contextFor(message.name, logs));
      const response = new HttpResponse(result as ConstructorParameters<typeof HttpResponse>[0]);
      send({
        op: 'http-response',
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.text(),
        logs,
      });
      return;
    }
    case 'invoke-timer': {
      const timer = { isPastDue: false, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
      await handlerOf(message.name)(timer, contextFor(message.name, logs));
      send({ op: 'done', logs });
      return;
    }
    case 'stop':
      process.exit(0);
  }
}

process.on('message', (message: WorkerRequest) => {
  handle(message).catch((error: unknown) => send({ op: 'error', message: error instanceof Error ? error.message : String(error) }));
});
process.on('disconnect', () => process.exit(0));

send({
  op: 'registered',
  functions: [...registered.values()].map((fn) => fn.metadata),
  programmingModel: `${programmingModel?.name}@${programmingModel?.version}`,
  systemLogs,
});
