import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../project.js';

/**
 * The queue trigger's settings from host.json (`extensions.queues`), which Azure's host applies and the local
 * host's queue runner applies the same way, so both hand messages over alike. As in Azure, an app setting
 * `AzureFunctionsJobHost__extensions__queues__<name>` overrides a value.
 */
export interface HostQueueSettings {
  /** Messages handled at once per queue. */
  batchSize: number;
  /** Deliveries before a message moves to the poison queue. */
  maxDequeueCount: number;
  /** How long a message that failed stays hidden before its next try. */
  visibilityTimeoutMs: number;
  /** The longest wait between two looks at an empty queue. */
  maxPollingIntervalMs: number;
}

const timeSpan = z
  .string()
  .regex(/^\d{2}:\d{2}:\d{2}(\.\d+)?$/, 'a time span hh:mm:ss')
  .transform((value) => {
    const [h, m, s] = value.split(':').map(Number) as [number, number, number];
    return Math.round(((h * 60 + m) * 60 + s) * 1000);
  });

const QueueSettings = z.object({
  batchSize: z.coerce.number().int().min(1).max(32).default(16),
  maxDequeueCount: z.coerce.number().int().min(1).default(5),
  visibilityTimeout: timeSpan.default(0),
  maxPollingInterval: timeSpan.default(60_000),
});

const overridePrefix = 'AzureFunctionsJobHost__extensions__queues__';

export function readHostQueueSettings(env: Record<string, string | undefined>, hostJsonPath = join(projectRoot(), 'host.json')): HostQueueSettings {
  const hostJson = JSON.parse(readFileSync(hostJsonPath, 'utf8')) as { extensions?: { queues?: Record<string, unknown> } };
  const values: Record<string, unknown> = { ...hostJson.extensions?.queues };
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(overridePrefix) && value !== undefined) values[key.slice(overridePrefix.length)] = value;
  }
  const parsed = QueueSettings.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `extensions.queues.${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid queue settings in ${hostJsonPath}:\n  ${problems.join('\n  ')}`);
  }
  const { batchSize, maxDequeueCount, visibilityTimeout, maxPollingInterval } = parsed.data;
  return { batchSize, maxDequeueCount, visibilityTimeoutMs: visibilityTimeout, maxPollingIntervalMs: maxPollingInterval };
}
