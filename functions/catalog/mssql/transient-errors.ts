/**
 * Which SQL Server failures are worth retrying, and how long to wait first. Azure SQL reconfigures, fails over
 * and (serverless) pauses; a database resuming answers 40613 for about a minute. A deadlock victim can retry at
 * once. Sources: Azure SQL "troubleshoot transient connectivity errors", the SQL Server error reference, and
 * Microsoft.Data.SqlClient's baseline transient error list (SqlConfigurableRetryFactory.BaselineTransientErrors).
 */
export interface RetryClass {
  /** First wait; each retry doubles it, with jitter, up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

const resuming: RetryClass = { initialDelayMs: 5000, maxDelayMs: 60000 };
const contention: RetryClass = { initialDelayMs: 50, maxDelayMs: 2000 };

/** SQL error number → retry class. */
export const transientSqlErrors: ReadonlyMap<number, RetryClass> = new Map([
  [4060, resuming], // cannot open database (often while it resumes)
  [40197, resuming], // service error processing the request (reconfiguration)
  [40501, resuming], // service busy
  [40613, resuming], // database not currently available (serverless resume, failover)
  [49918, resuming], // not enough resources to process the request
  [49919, resuming], // too many create/update operations
  [49920, resuming], // too many operations in progress
  [4221, resuming], // login to a read-secondary failed during redo
  [615, resuming], // could not find database id (failover)
  [926, resuming], // database cannot be opened (recovery)
  [10928, resuming], // resource limit reached (the database's workers or sessions): waiting lets requests finish
  [10929, resuming], // resource minimum guarantee not available: the server is too busy for now
  [10936, resuming], // the elastic pool's request limit reached
  [40143, resuming], // service error processing the request (connection level)
  [40540, resuming], // service error processing the request
  [42108, resuming], // cannot connect: the SQL pool is paused
  [42109, resuming], // the SQL pool is warming up
  [233, resuming], // the connection broke during login (no process on the other end of the pipe)
  [1205, contention], // chosen as deadlock victim
]);

/** Socket and connection failures from tedious: the connection is gone, a new one will be made. */
const transientConnectionCodes = new Set(['ESOCKET', 'ECONNRESET', 'ETIMEOUT', 'ECONNCLOSED', 'ETIMEDOUT', 'ECONNREFUSED']);

/** The retry class of a thrown error, or `undefined` when retrying cannot help. */
export function classifySqlError(error: unknown): RetryClass | undefined {
  for (const candidate of unwrap(error)) {
    // Anything may be thrown, `null` and `undefined` included.
    if (typeof candidate !== 'object' || candidate === null) continue;
    const number = (candidate as { number?: unknown }).number;
    if (typeof number === 'number') {
      const known = transientSqlErrors.get(number);
      if (known) return known;
    }
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && transientConnectionCodes.has(code)) return resuming;
  }
  return undefined;
}

/** SQL Server errors that end the transaction by rolling it back, wherever they come: a deadlock victim's. */
const rolledBackErrors = new Set([1205]);

/** Whether a failure at COMMIT says the transaction was rolled back (so running it again cannot do it twice). */
export function rolledBackForSure(error: unknown): boolean {
  for (const candidate of unwrap(error)) {
    const number = typeof candidate === 'object' && candidate !== null ? (candidate as { number?: unknown }).number : undefined;
    if (typeof number === 'number' && rolledBackErrors.has(number)) return true;
  }
  return false;
}

/** tedious reports several errors as an array or an AggregateError; causes may nest. */
function* unwrap(error: unknown): Generator<unknown> {
  if (Array.isArray(error)) {
    for (const item of error) yield* unwrap(item);
    return;
  }
  if (error instanceof AggregateError) {
    for (const item of error.errors) yield* unwrap(item);
  }
  yield error;
  if (error instanceof Error && error.cause !== undefined) yield* unwrap(error.cause);
}

export interface RetryOptions {
  /** Give up once this much time has passed since the first try. @default 120000 */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Where the budget's time is read. @default Date.now */
  now?: () => number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `work`, retrying transient SQL failures with jittered exponential backoff within a time budget.
 * `work` must be safe to run again: a whole transaction, rolled back by the failure.
 */
export async function retryTransient<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const budgetMs = options.budgetMs ?? 120000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retryClass = classifySqlError(error);
      if (!retryClass) throw error;
      const base = Math.min(retryClass.maxDelayMs, retryClass.initialDelayMs * 2 ** (attempt - 1));
      // "Equal jitter": at least half the base wait, so a herd of instances spreads out but never hammers.
      const delayMs = Math.round(base / 2 + (random() * base) / 2);
      if (now() - started + delayMs > budgetMs) throw error;
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}
