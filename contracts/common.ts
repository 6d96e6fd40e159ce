import * as z from 'zod';

/**
 * Field rules shared by several boundaries. Lengths match the catalog's SQL Server columns, so whatever the API
 * accepts, both engines can store.
 */
export const CatalogName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, dot, dash and underscore, starting with a letter or digit');

export const Tag = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore');

export const DisplayName = z.string().trim().min(1).max(256);
export const Description = z.string().max(1024);
export const MaxTaskCount = z.int().min(1).max(1000);
export const WorkerAgentId = z.string().min(1).max(36);
export const ExecutionId = z.coerce.number().int().positive();
export const Timestamp = z.iso.datetime({ offset: true });

export const ParameterValue = z.union([z.string().max(32_768), z.number(), z.boolean()]);
export type ParameterValue = z.infer<typeof ParameterValue>;

export const ExecutionStatusCode = z.int().min(1).max(9);

/** SSISDB status names, by code. */
export const executionStatusNames = {
  1: 'created',
  2: 'running',
  3: 'canceled',
  4: 'failed',
  5: 'pending',
  6: 'ended unexpectedly',
  7: 'succeeded',
  8: 'stopping',
  9: 'completed',
} as const;
export const ExecutionStatusName = z.enum(Object.values(executionStatusNames) as [string, ...string[]]);
