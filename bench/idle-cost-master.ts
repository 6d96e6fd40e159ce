import { generateApiKey } from '../functions/auth/api-keys.js';
import { functionTable } from '../functions/function-table.js';
import type { Logger } from '../functions/http/api-request.js';
import { startLocalHost } from '../functions/local-host/local-host.js';
import { FunctionMeter, type FunctionUsage } from './function-meter.js';

/**
 * The master for `bench:idle-cost`, in a process of its own: a local host with the settings it is given (the
 * benchmark gives Azure's), its timers and queue functions running, every function wrapped in a meter. It tells
 * the benchmark over IPC where it listens and an admin key, and answers `usage` with what its functions did and
 * how many catalog statements it ran.
 */
export interface MasterUsage {
  functions: FunctionUsage;
  catalogStatements: number;
}

type Question = { op: 'usage' } | { op: 'stop' };

const log: Logger = { info: () => undefined, warn: (message, details) => console.warn(message, details ?? ''), error: (message, details) => console.error(message, details ?? '') };
const meter = new FunctionMeter();
const host = await startLocalHost({ env: process.env, functions: meter.wrap(functionTable), log });
const key = generateApiKey();
await host.services.catalog.insertApiKey({ apiKeyId: key.apiKeyId, name: 'bench', role: 'admin', keyHash: key.keyHash }, 'bench');
process.send?.({ url: host.url, thumbprint: host.certificateThumbprint, adminKey: key.secret });

process.on('message', (question: Question) => {
  if (question.op === 'usage') {
    const usage: MasterUsage = { functions: meter.usage(), catalogStatements: host.services.catalogQueryCount };
    process.send?.(usage);
    return;
  }
  void host.stop().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
