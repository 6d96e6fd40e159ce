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
/** How a whole number is written in a path or a query string: decimal digits, no sign, no leading zero. */
export const decimalDigits = /^(0|[1-9][0-9]{0,14})$/;

/**
 * A whole number in a path or query string, written in decimal digits only: `0x1f`, ` 1`, `1e3`, `01` and an
 * empty value are refused rather than coerced into another number (`/executions/0x1f/stop` must not stop 31).
 */
export function decimalInteger(limits: { min: number; max?: number }) {
  return z.coerce
    .string()
    .regex(decimalDigits, 'decimal digits only')
    .transform(Number)
    .pipe(z.int().min(limits.min).max(limits.max ?? Number.MAX_SAFE_INTEGER));
}

/** A row id in a path or query string (an execution, a task, a schedule, a project version). */
export const RowId = decimalInteger({ min: 1 });
export const ExecutionId = RowId;
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
