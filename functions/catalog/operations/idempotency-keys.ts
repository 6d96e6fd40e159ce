import { idempotencyKeyRetentionMs } from '../../../contracts/idempotency-key.js';
import type { Catalog, IdempotencyGuard, IdempotencyKeyRef } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { ConflictError } from '../errors.js';

const byKey = (ref: IdempotencyKeyRef) => (db: CatalogDb | CatalogTrx) =>
  db
    .selectFrom('idempotency_keys')
    .where('actor', '=', ref.actor)
    .where('operation', '=', ref.operation)
    .where('idempotency_key', '=', ref.key);

/**
 * Records a guarded write's key in the write's own transaction, with what it created: committed together, so a
 * master that stops between the commit and its answer still finds the write when the client retries. A key
 * already recorded (a request with the same key won the race) rolls the write back.
 */
export async function rememberIdempotencyKey(
  ctx: CatalogContext,
  trx: CatalogTrx,
  guard: IdempotencyGuard | undefined,
  result: Record<string, unknown>,
): Promise<void> {
  if (!guard) return;
  const now = ctx.clock.now();
  // An expired record no longer counts, whether or not the cleanup has removed it yet.
  await trx
    .deleteFrom('idempotency_keys')
    .where('actor', '=', guard.actor)
    .where('operation', '=', guard.operation)
    .where('idempotency_key', '=', guard.key)
    .where('created_time', '<=', now - idempotencyKeyRetentionMs)
    .execute();
  if (await byKey(guard)(trx).select('request_hash').executeTakeFirst()) {
    throw new ConflictError('Idempotency-Key', `a request with the Idempotency-Key '${guard.key}' was already made`);
  }
  await trx
    .insertInto('idempotency_keys')
    .values({
      actor: guard.actor,
      operation: guard.operation,
      idempotency_key: guard.key,
      request_hash: guard.requestHash,
      result: ctx.cipher.encrypt(JSON.stringify({ ...result, ...guard.keep })),
      response_body: null,
      created_time: now,
    })
    .execute();
}

export function idempotencyKeyOperations(
  ctx: CatalogContext,
): Pick<Catalog, 'findIdempotencyKey' | 'recordIdempotentResponse' | 'deleteExpiredIdempotencyKeys'> {
  return {
    findIdempotencyKey: (ref) =>
      ctx.engine.read(async (db) => {
        const row = await byKey(ref)(db)
          .select(['request_hash', 'result', 'response_body'])
          .where('created_time', '>', ctx.clock.now() - idempotencyKeyRetentionMs)
          .executeTakeFirst();
        if (!row) return undefined;
        return {
          requestHash: row.request_hash,
          result: JSON.parse(ctx.cipher.decrypt(row.result)) as Record<string, unknown>,
          responseBody: row.response_body === null ? null : ctx.cipher.decrypt(row.response_body),
        };
      }),

    async recordIdempotentResponse(ref, body) {
      await ctx.engine.transaction(async (trx) => {
        await trx
          .updateTable('idempotency_keys')
          .set({ response_body: ctx.cipher.encrypt(body) })
          .where('actor', '=', ref.actor)
          .where('operation', '=', ref.operation)
          .where('idempotency_key', '=', ref.key)
          .where('response_body', 'is', null)
          .execute();
      });
    },

    // Management writes are few: one statement removes a day's keys.
    deleteExpiredIdempotencyKeys: () =>
      ctx.engine.transaction(async (trx) => {
        const result = await trx
          .deleteFrom('idempotency_keys')
          .where('created_time', '<=', ctx.clock.now() - idempotencyKeyRetentionMs)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
