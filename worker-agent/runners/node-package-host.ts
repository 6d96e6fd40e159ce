/**
 * Runs a `node` package in its own process (never in the agent's): imports the module the manifest names and calls
 * its default export with `(parameters, context)`. Started by the node runner as
 * `node node-package-host.js <module> [arguments...]`, with an IPC channel for structured events.
 *
 * context: `log(message)`, `warn`, `error`, `progress(percent, message?)`, `signal` (aborted when the package is
 * canceled: SIGTERM), `args`, `taskId`, `executionId`, `attemptNumber`, `projectDir`, `taskDir`, and `children`
 * (start child executions and wait for them: child-executions.ts).
 * The module's promise resolving ends the package with exit code 0 (what it resolves to, if anything, becomes the
 * attempt's message: a string as is, anything else as JSON); a throw or rejection ends it with exit code 1.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Script, constants } from 'node:vm';
import { ChildExecutions } from './child-executions.js';
import type { HostMessage } from './run-package.js';

type EventKind = Extract<HostMessage, { kind: 'event' }>['type'];

function post(body: HostMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(body, undefined, {}, () => resolve());
  });
}

function send(type: EventKind, message: string): Promise<void> {
  const body: HostMessage = { kind: 'event', type, message };
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      (type === 'error' ? process.stderr : process.stdout).write(`${message}\n`);
      return resolve();
    }
    process.send(body, undefined, {}, () => resolve());
  });
}

/**
 * import() through the main context's ESM loader from a vm script: inside the single-file executable a plain
 * import() reaches built-in modules only, and this one loads the package's module from disk there too.
 */
const importFromDisk = new Script('(url) => import(url)', { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER }).runInThisContext() as (
  url: string,
) => Promise<unknown>;

const pending = new Set<Promise<void>>();
function emit(type: EventKind, message: unknown): void {
  const promise = send(type, typeof message === 'string' ? message : String(message));
  pending.add(promise);
  void promise.finally(() => pending.delete(promise));
}

async function main(): Promise<number> {
  const [modulePath, ...args] = process.argv.slice(2);
  if (!modulePath) {
    await send('error', 'node-package-host: no module given');
    return 2;
  }
  const parametersFile = process.env.SCALEOUT_PARAMETERS_FILE;
  const parameters: unknown = parametersFile ? JSON.parse(readFileSync(parametersFile, 'utf8')) : {};
  const controller = new AbortController();
  // A cancel arrives as SIGTERM: tell the package through its signal; the agent kills it after the grace period.
  process.on('SIGTERM', () => controller.abort(new Error('the package was canceled')));
  process.on('SIGINT', () => controller.abort(new Error('the package was canceled')));

  const loaded = (await importFromDisk(pathToFileURL(modulePath).href)) as { default?: unknown };
  const run = loaded.default;
  if (typeof run !== 'function') {
    await send('error', `${modulePath} has no default export function: export default async function (parameters, context) { … }`);
    return 2;
  }
  const children = new ChildExecutions(process.env, controller.signal);
  const context = {
    log: (message: unknown) => emit('information', message),
    warn: (message: unknown) => emit('warning', message),
    error: (message: unknown) => emit('error', message),
    progress: (percent: number, message?: string) =>
      emit('progress', `${Math.max(0, Math.min(100, Math.round(percent)))}%${message ? ` ${message}` : ''}`),
    signal: controller.signal,
    args,
    taskId: Number(process.env.SCALEOUT_TASK_ID),
    executionId: Number(process.env.SCALEOUT_EXECUTION_ID),
    attemptNumber: Number(process.env.SCALEOUT_ATTEMPT_NUMBER),
    projectDir: process.env.SCALEOUT_PROJECT_DIR ?? process.cwd(),
    taskDir: process.env.SCALEOUT_TASK_DIR ?? process.cwd(),
    children,
  };
  // The package's promise is what counts: a package waiting only on its signal has nothing else keeping Node alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    const result = await (run as (parameters: unknown, context: unknown) => unknown)(parameters, context);
    // What the package returns is its report: the attempt's message, which a parent reads from its child.
    if (result !== undefined) await post({ kind: 'result', message: typeof result === 'string' ? result : JSON.stringify(result) });
    return 0;
  } catch (thrown) {
    // A package that gives up once its signal fires (an AbortError from a timer or a fetch) has stopped as asked,
    // not failed: the worker reports why it asked (stop, timeout, drain); the stack would only hide that.
    if (controller.signal.aborted) {
      await send('information', 'the package stopped when asked to');
      return 1;
    }
    // The first line is the failure's message (the worker reports it as the attempt's message); the stack follows.
    const message = thrown instanceof Error ? `${thrown.message}${thrown.stack ? `\n${thrown.stack}` : ''}` : String(thrown);
    await send('error', `the package failed: ${message}`);
    return 1;
  } finally {
    clearInterval(keepAlive);
    children.close();
  }
}

// No top-level await: the single-file executable bundles this module as CommonJS.
void main()
  .catch(async (thrown: unknown) => {
    await send('error', `the package could not be loaded: ${thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)}`);
    return 2;
  })
  .then(async (code) => {
    await Promise.all(pending);
    process.exit(code);
  });
