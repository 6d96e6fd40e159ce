import type { Insertable } from 'kysely';
import { idempotencyKeyRetentionMs } from '../../../contracts/idempotency-key.js';
import type { Catalog, IdempotencyGuard, IdempotencyKeyRef } from '../catalog.js';
import type { CatalogContext } from '../context.js';
import type { CatalogDb, CatalogTrx } from '../engine.js';
import { ConflictError } from '../errors.js';
import { hotQuery } from '../hot-query.js';
import type { IdempotencyKeysTable } from '../schema.js';

const byKey = (ref: IdempotencyKeyRef) => (db: CatalogDb | CatalogTrx) =>
  db
    .selectFrom('idempotency_keys')
    .where('actor', '=', ref.actor)
    .where('operation', '=', ref.operation)
    .where('idempotency_key', '=', ref.key);

/** The record, unless the key has one already (live or expired): one statement on the path every create takes. */
const insertUnlessRecorded = hotQuery((db, row: Required<Insertable<IdempotencyKeysTable>>) =>
  db
    .insertInto('idempotency_keys')
    .columns(['actor', 'operation', 'idempotency_key', 'request_hash', 'result', 'response_body', 'created_time'])
    .expression((eb) =>
      db
        .selectNoFrom([
          eb.val(row.actor).as('actor'),
          eb.val(row.operation).as('operation'),
          eb.val(row.idempotency_key).as('idempotency_key'),
          eb.val(row.request_hash).as('request_hash'),
          eb.val(row.result).as('result'),
          eb.val(row.response_body).as('response_body'),
          eb.val(row.created_time).as('created_time'),
        ])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('idempotency_keys')
                .select('created_time')
                .where('actor', '=', row.actor)
                .where('operation', '=', row.operation)
                .where('idempotency_key', '=', row.idempotency_key),
            ),
          ),
        ),
    ),
);

/**
 * Records a guarded write's key in the write's own transaction, with what it created and the answer made from
 * what it wrote (the guard's `answer`; `written` is asked only for it): committed together, so a master that stops between the commit and its answer
 * still finds the write, and its answer, when the client retries. A key already recorded (a request with the same
 * key won the race) rolls the write back.
 */
export async function rememberIdempotencyKey<W>(
  ctx: CatalogContext,
  trx: CatalogTrx,
  guard: IdempotencyGuard<W> | undefined,
  result: Record<string, unknown>,
  written: () => W | Promise<W>,
): Promise<void> {
  if (!guard) return;
  const now = ctx.clock.now();
  const row = {
    actor: guard.actor,
    operation: guard.operation,
    idempotency_key: guard.key,
    request_hash: guard.requestHash,
    result: ctx.cipher.encrypt(JSON.stringify({ ...result, ...guard.keep })),
    response_body: guard.answer ? ctx.cipher.encrypt(guard.answer(await written())) : null,
    created_time: now,
  };
  const inserted = (await insertUnlessRecorded(trx, row)).numAffectedRows;
  if (inserted !== undefined && inserted > 0n) return;
  // An expired record no longer counts, whether or not the cleanup has removed it yet.
  const expired = await byKey(guard)(trx)
    .select('created_time')
    .where('created_time', '<=', now - idempotencyKeyRetentionMs)
    .executeTakeFirst();
  if (!expired) throw new ConflictError('Idempotency-Key', `a request with the Idempotency-Key '${guard.key}' was already made`);
  await trx
    .updateTable('idempotency_keys')
    .set({ request_hash: row.request_hash, result: row.result, response_body: row.response_body, created_time: now })
    .where('actor', '=', guard.actor)
    .where('operation', '=', guard.operation)
    .where('idempotency_key', '=', guard.key)
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
